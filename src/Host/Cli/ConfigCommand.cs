using System.CommandLine;
using System.Text;
using Kiln.Config;
using Kiln.Hosting;
using Microsoft.Extensions.DependencyInjection;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln config dump</c> and <c>kiln config explain</c>: the merged result of config files, and where one value
/// came from. Each subcommand is built by its own method; a new one is one more line in <see cref="Create"/>.
/// </summary>
internal static class ConfigCommand
{
    private static readonly string[] Formats = ["py", "json", "yaml"];

    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var command = new Command("config", "Inspect config files: the merged result, where each value came from, and whether every type and key builds.");
        command.Subcommands.Add(CreateDump(plugins, debug, output, error));
        command.Subcommands.Add(CreateExplain(plugins, debug, output, error));
        command.Subcommands.Add(ConfigValidateCommand.Create(plugins, debug, output, error));
        return command;
    }

    /// <summary><c>kiln config dump CONFIG... [--format py|json|yaml] [--out-dir DIR] [--cfg-options k=v ...]</c>.</summary>
    internal static Command CreateDump(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configs = new Argument<string[]>("config")
        {
            Description = "Config files (.py, .json, .yaml) to resolve: bases merged, variables substituted.",
            HelpName = "CONFIG",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "Output format: py (MMEngine's pretty_text, re-readable), json (cfg.to_dict()), yaml.",
            DefaultValueFactory = _ => "py",
            HelpName = "py|json|yaml",
        };
        format.AcceptOnlyFromAmong(Formats);
        var outDir = new Option<string?>("--out-dir")
        {
            Description = "Write each result to DIR/<config path relative to the working directory, with the format's extension> instead of stdout.",
            HelpName = "DIR",
        };
        var cfgOptions = CliOptions.CfgOptions();
        var command = new Command("dump", "Print the merged config, as MMEngine's Config.fromfile(...) resolves it.") { configs };
        command.Options.Add(format);
        command.Options.Add(outDir);
        command.Options.Add(cfgOptions);
        command.SetAction(parse =>
        {
            string[] paths = parse.GetValue(configs) ?? [];
            string ext = "." + parse.GetValue(format);
            string? dir = parse.GetValue(outDir);
            if (dir is null && paths.Length > 1)
            {
                error.WriteLine($"kiln: error: {paths.Length} configs need --out-dir DIR (only one config can print to stdout)");
                return 1;
            }
            return KilnCli.Guard(parse, plugins, debug, output, error, host =>
            {
                int failed = 0;
                foreach (string path in paths)
                {
                    try
                    {
                        var cfg = Load(host.Services, path, parse.GetValue(cfgOptions), trackProvenance: false, error);
                        string text = cfg.DumpToString(ext);
                        if (!text.EndsWith('\n')) text += "\n";
                        if (dir is null)
                        {
                            output.Write(text);
                            continue;
                        }
                        string target = OutputPath(dir, path, ext);
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.WriteAllText(target, text);
                    }
                    catch (Exception e) when (e is KilnException or IOException or UnauthorizedAccessException)
                    {
                        failed++;
                        error.WriteLine($"{path}: {e.Message}");
                        if (parse.GetValue(debug)) error.WriteLine(e);
                    }
                }
                return failed == 0 ? 0 : 1;
            });
        });
        return command;
    }

    /// <summary><c>kiln config explain CONFIG KEY.PATH [--cfg-options k=v ...]</c>.</summary>
    internal static Command CreateExplain(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var config = CliOptions.Config();
        var key = new Argument<string>("key") { Description = "A dotted key: model.backbone.depth, train_pipeline.0.type.", HelpName = "KEY.PATH" };
        var cfgOptions = CliOptions.CfgOptions();
        var command = new Command("explain",
            "Show where a config value came from: file and line, the bases it overrode, or the --cfg-options entry.") { config, key };
        command.Options.Add(cfgOptions);
        command.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var cfg = Load(host.Services, parse.GetValue(config)!, parse.GetValue(cfgOptions), trackProvenance: true, error);
            var explanation = cfg.Provenance!.Explain(parse.GetValue(key)!);
            output.Write(FormatExplanation(explanation));
            return 0;
        }));
        return command;
    }

    /// <summary>Reads a config (plugin configs resolve <c>scope::path</c> bases) and applies <c>--cfg-options</c>; warnings go to stderr.</summary>
    internal static KilnConfig Load(IServiceProvider services, string path, string[]? cfgOptions, bool trackProvenance, TextWriter error)
    {
        var cfg = KilnConfig.FromFile(path, new ConfigLoadOptions
        {
            ScopeResolver = services.GetRequiredService<PluginCatalog>(),
            Warning = message => error.WriteLine($"kiln: warning: {message}"),
            TrackProvenance = trackProvenance,
        });
        if (cfgOptions is { Length: > 0 }) cfg.MergeCfgOptions(cfgOptions);
        return cfg;
    }

    /// <summary>DIR/&lt;path relative to the working directory&gt; with <paramref name="ext"/> as its extension.</summary>
    internal static string OutputPath(string dir, string configPath, string ext)
    {
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(configPath));
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ConfigException(
                $"cannot place the dump under --out-dir: the config is outside the working directory {Directory.GetCurrentDirectory()}; run kiln from a folder that contains it");
        return Path.Combine(dir, Path.ChangeExtension(relative, ext));
    }

    /// <summary>
    /// <code>
    /// model.num_classes = 10
    ///   set at plugins/Vision/configs/_base_/models/lenet5.py:5    num_classes=10,
    ///   overriding 5 at other.py:3    num_classes=5,
    /// </code>
    /// </summary>
    internal static string FormatExplanation(ConfigExplanation explanation)
    {
        var sb = new StringBuilder();
        sb.Append(explanation.KeyPath).Append(" = ").Append(Short(explanation.Value)).Append('\n');
        bool first = true;
        foreach (var origin in explanation.Origin.Chain())
        {
            if (first)
            {
                sb.Append(explanation.SetWith is null ? "  set " : $"  set with '{explanation.SetWith}' ");
                first = false;
            }
            else sb.Append("  overriding ").Append(Short(origin.Value)).Append(' ');
            sb.Append(Describe(origin)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Describe(ConfigValueOrigin origin)
    {
        if (origin.CfgOption is not null) return $"by --cfg-options {origin.CfgOption}";
        if (origin.File is null) return origin.Note ?? "in code";
        string where = "at " + DisplayPath(origin.File) + (origin.Line > 0 ? $":{origin.Line}" : "");
        string? source = origin.Line > 0 ? SourceLine(origin.File, origin.Line) : null;
        return source is null ? where : $"{where}    {source}";
    }

    private static string DisplayPath(string path)
    {
        if (!Path.IsPathRooted(path)) return path;
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return Path.IsPathRooted(relative) || relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string? SourceLine(string file, int line)
    {
        try
        {
            if (!File.Exists(file)) return null;
            return File.ReadLines(file).Skip(line - 1).FirstOrDefault()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Short(object? value)
    {
        string text = ConfigFormatter.Format(value);
        return text.Length <= 100 ? text : text[..97] + "...";
    }
}
