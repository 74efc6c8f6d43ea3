using System.CommandLine;
using Kiln.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln test CONFIG CHECKPOINT [--out FILE]</c> and <c>kiln val CONFIG CHECKPOINT</c>, as MMEngine's
/// <c>tools/test.py</c>: the config's <c>load_from</c> becomes CHECKPOINT (with <c>resume=False</c>), the work
/// directory follows <c>kiln train</c>'s rules, and the runner's test (or val) loop runs once; its LoggerHook logs
/// the <c>Epoch(test) [N/N]    metric: value</c> line. <c>--out</c> appends a <c>DumpResults</c> metric to the
/// test evaluator, as MMEngine-ecosystem test.py scripts do.
/// </summary>
internal static class EvalCommands
{
    /// <summary><c>kiln test</c> (RUN-04, LOOP-05, EVAL-05).</summary>
    public static Command CreateTest(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var outFile = new Option<string?>("--out")
        {
            Description = "Dump every test sample's predictions to FILE (a .pkl/.pickle pickle of a list of dicts, MMEngine's DumpResults).",
            HelpName = "FILE",
        };
        return Create("test", "Test a checkpoint on the config's test_dataloader with its test_evaluator.", outFile, plugins, debug, output, error);
    }

    /// <summary><c>kiln val</c> (RUN-04, LOOP-04).</summary>
    public static Command CreateVal(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
        => Create("val", "Validate a checkpoint on the config's val_dataloader with its val_evaluator.", null, plugins, debug, output, error);

    /// <summary>
    /// <c>kiln eval CONFIG RESULTS.pkl</c> (EVAL-05): MMEngine's offline evaluation. Reads the predictions a
    /// <c>kiln test --out</c> (DumpResults) wrote and runs the config's <c>test_evaluator</c> over them with
    /// <c>Evaluator.OfflineEvaluate</c>; prints one <c>name: value</c> line per metric (4 decimals as MMEngine's
    /// log) or, with <c>--json</c>, a JSON object. No model, dataloader or checkpoint is needed.
    /// </summary>
    public static Command CreateEval(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var resultsArg = new Argument<string>("results") { Description = "A .pkl written by kiln test --out (DumpResults): one dict per sample.", HelpName = "RESULTS" };
        var cfgOptions = CliOptions.CfgOptions("test_evaluator.topk=[1,5]");
        var chunk = new Option<int>("--chunk-size") { Description = "Samples per Process call (MMEngine's chunk_size).", DefaultValueFactory = _ => 1, HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print the metrics as a JSON object." };
        var command = new Command("eval", "Evaluate dumped predictions (kiln test --out) offline with the config's test_evaluator.") { configArg, resultsArg };
        command.Options.Add(cfgOptions);
        command.Options.Add(chunk);
        command.Options.Add(json);
        command.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            string configPath = parse.GetValue(configArg)!;
            string resultsPath = parse.GetValue(resultsArg)!;
            if (!File.Exists(resultsPath))
                throw new KilnException($"results file '{resultsPath}' does not exist; write one with kiln test CONFIG CHECKPOINT --out {resultsPath}.");
            var cfg = TrainCommand.LoadConfig(host.Services, configPath, parse.GetValue(cfgOptions));
            var evaluatorCfg = cfg.Dict.Get("test_evaluator")
                ?? throw new KilnException($"{cfg.FileName ?? configPath} has no test_evaluator; kiln eval runs it over the results (e.g. test_evaluator = dict(type='metrics.Accuracy')).");
            var evaluator = Evaluation.Evaluator.FromConfig(evaluatorCfg, host.Services.GetRequiredService<Registry.IComponentBuilder>(), "test_evaluator",
                cfg.Dict.Get("default_scope", Registry.RegistryTree.RootScope) as string);
            var metrics = evaluator.OfflineEvaluateFile(resultsPath, parse.GetValue(chunk));
            if (parse.GetValue(json))
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(metrics));
            else
                foreach (var (name, value) in metrics)
                    output.WriteLine($"{name}: {value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}");
            return 0;
        }));
        return command;
    }

    private static Command Create(string mode, string description, Option<string?>? outFile, Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var checkpointArg = new Argument<string>("checkpoint") { Description = "The checkpoint whose weights are evaluated (load_from).", HelpName = "CHECKPOINT" };
        var workDir = new Option<string?>("--work-dir") { Description = "Where logs go (overrides the config's work_dir).", HelpName = "DIR" };
        var cfgOptions = CliOptions.CfgOptions("test_dataloader.batch_size=32");
        var noProgress = CliOptions.NoProgress();
        var command = new Command(mode, description) { configArg, checkpointArg };
        command.Options.Add(workDir);
        command.Options.Add(noProgress);
        command.Options.Add(cfgOptions);
        if (outFile is not null) command.Options.Add(outFile);
        var launcher = CliOptions.Launcher();
        command.Options.Add(launcher);
        command.SetAction(parse =>
        {
            Interop.LibTorchWarmup.Start();
            string configPath = parse.GetValue(configArg)!;
            string checkpoint = parse.GetValue(checkpointArg)!;
            string? dumpPath = outFile is null ? null : parse.GetValue(outFile);
            return CliOptions.EndProcessGroup(KilnCli.Guard(parse, plugins, debug, output, error, host =>
            {
                if (!File.Exists(checkpoint))
                    throw new KilnException($"checkpoint file '{checkpoint}' does not exist; give the path of a .pth or .safetensors checkpoint, e.g. work_dirs/<config>/epoch_1.pth.");
                var cfg = TrainCommand.LoadConfig(host.Services, configPath, parse.GetValue(cfgOptions));
                RequireEvalKeys(cfg, mode);
                if (dumpPath is not null) AppendDumpResults(cfg.Dict, dumpPath);
                cfg.Dict["load_from"] = checkpoint;
                cfg.Dict["resume"] = false;
                CliOptions.ApplyWorkDir(cfg.Dict, parse.GetValue(workDir), configPath);
                if (parse.GetValue(launcher) is { } launcherName) cfg.Dict["launcher"] = launcherName;
                CliOptions.ApplyNoProgress(cfg.Dict, parse.GetValue(noProgress));
                using var runner = Runner.FromConfig(cfg.Dict, host.Services, cfg.FileName, cfg.PrettyText);
                _ = mode == "test" ? runner.Test() : runner.Val();
                if (dumpPath is not null) runner.Logger.LogInformation("Results has been saved to {Path}.", dumpPath);
                return 0;
            }));
        });
        return command;
    }

    /// <summary>The config must set <c>{mode}_dataloader</c>, <c>{mode}_cfg</c> and <c>{mode}_evaluator</c>; the error names those missing.</summary>
    private static void RequireEvalKeys(KilnConfig cfg, string mode)
    {
        string[] keys = [$"{mode}_dataloader", $"{mode}_cfg", $"{mode}_evaluator"];
        var missing = keys.Where(k => cfg.Dict.Get(k) is null).ToList();
        if (missing.Count > 0)
            throw new KilnException($"{cfg.FileName ?? "the config"} has no {string.Join(", ", missing)}; kiln {mode} needs {string.Join(", ", keys)} "
                + $"(e.g. {mode}_dataloader = val_dataloader, {mode}_cfg = dict(), {mode}_evaluator = dict(type='metrics.Accuracy')).");
    }

    /// <summary>
    /// As MMEngine-ecosystem test.py: <c>test_evaluator</c> gets a <c>DumpResults(out_file_path=FILE)</c> metric
    /// (a single metric dict becomes a list; <c>dict(type='Evaluator', metrics=...)</c> gets it in its metrics).
    /// </summary>
    private static void AppendDumpResults(ConfigDict cfg, string path)
    {
        if (!path.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".pickle", StringComparison.OrdinalIgnoreCase))
            throw new KilnException($"--out {path}: the dump file must be a pkl file (ending in .pkl or .pickle), as in MMEngine's test.py.");
        var dump = new ConfigDict { ["type"] = "DumpResults", ["out_file_path"] = path };
        switch (cfg.Get("test_evaluator"))
        {
            case ConfigDict { Type: "Evaluator" } evaluator:
                var metrics = evaluator.Get("metrics") switch
                {
                    List<object?> list => new List<object?>(list),
                    { } one => [one],
                    null => [],
                };
                metrics.Add(dump);
                cfg["test_evaluator"] = new ConfigDict(evaluator) { ["metrics"] = metrics };
                break;
            case List<object?> list:
                cfg["test_evaluator"] = new List<object?>(list) { dump };
                break;
            case { } one:
                cfg["test_evaluator"] = new List<object?> { one, dump };
                break;
        }
    }
}
