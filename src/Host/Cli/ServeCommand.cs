using System.CommandLine;
using System.Globalization;
using Kiln.Serve;
using Microsoft.AspNetCore.Builder;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln serve [--jobs DIR] [--urls URL] [--shutdown-timeout SECONDS]</c>: the long-lived training service
/// (<see cref="ServeApp"/>). Runs until SIGTERM/Ctrl+C or a service stop; the running job then stops after its current
/// iteration with a checkpoint and resumes on the next start.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var jobs = new Option<string>("--jobs")
        {
            Description = "The jobs folder: queue/ (drop configs here), one folder per job with its state, config and work directory.",
            HelpName = "DIR",
            DefaultValueFactory = _ => "jobs",
        };
        var urls = new Option<string>("--urls")
        {
            Description = "Where the HTTP API and the status page listen.",
            HelpName = "URL",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
        };
        var shutdown = new Option<int>("--shutdown-timeout")
        {
            Description = "Seconds a stop waits for the running job's current iteration and checkpoint.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 90,
        };
        var command = new Command("serve",
            "Run kiln as a training service: jobs from a queue folder or a loopback HTTP API, one at a time; status page at /; systemd notify/watchdog and Windows service aware.");
        command.Options.Add(jobs);
        command.Options.Add(urls);
        command.Options.Add(shutdown);
        command.SetAction(parse =>
        {
            bool showStack = parse.GetValue(debug);
            try
            {
                var options = new ServeOptions
                {
                    JobsDir = Path.GetFullPath(parse.GetValue(jobs)!),
                    Urls = parse.GetValue(urls)!,
                    ShutdownTimeout = TimeSpan.FromSeconds(parse.GetValue(shutdown)),
                };
                bool strict = parse.GetValue<bool>(KilnCli.StrictPluginsOption);
                using var app = ServeApp.Build(options, o =>
                {
                    o.PluginRoots.AddRange(parse.GetValue(plugins) ?? []);
                    o.StrictPlugins = strict;
                }, output);
                app.Lifetime.ApplicationStarted.Register(() => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"kiln serve: jobs in {options.JobsDir}; listening on {string.Join(", ", app.Urls)}")));
                app.Run();
                return 0;
            }
            catch (KilnException e)
            {
                error.WriteLine($"kiln: error: {e.Message}");
                if (showStack) error.WriteLine(e);
                return 1;
            }
        });
        return command;
    }
}
