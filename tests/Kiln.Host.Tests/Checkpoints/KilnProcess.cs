using System.Diagnostics;
using System.Text;

namespace Kiln.Tests.Checkpoints;

/// <summary>
/// Runs the real <c>kiln</c> executable (the host's <c>kiln.dll</c> beside the test binary) as a child process with
/// the <c>trainfix</c> fixture plugin, so tests can SIGKILL it mid-run.
/// </summary>
internal sealed class KilnProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private KilnProcess(Process process) => _process = process;

    public static string PluginFolder => Path.Combine(AppContext.BaseDirectory, "fixture-plugins", "trainfix");

    /// <summary>Starts <c>kiln ARGS --plugins fixture-plugins/trainfix</c> in <paramref name="cwd"/>.</summary>
    public static KilnProcess Start(string cwd, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kiln.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.ArgumentList.Add("--plugins");
        info.ArgumentList.Add(PluginFolder);
        var process = new Process { StartInfo = info };
        var result = new KilnProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs to the end (at most <paramref name="timeout"/>) and returns the exit code and everything printed.</summary>
    public static (int ExitCode, string Output) Run(string cwd, TimeSpan timeout, params string[] args)
    {
        using var p = Start(cwd, args);
        if (!p._process.WaitForExit(timeout))
        {
            p.Kill();
            throw new TimeoutException($"kiln {string.Join(' ', args)} did not finish in {timeout}:\n{p.Output}");
        }
        p._process.WaitForExit();
        return (p._process.ExitCode, p.Output);
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL (on Unix <see cref="Process.Kill()"/> sends SIGKILL): no handler, no flush, no cleanup runs.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
