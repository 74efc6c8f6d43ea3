using System.CommandLine;
using System.Globalization;
using Kiln.Config;
using Kiln.Models.Analysis;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln analyze model CONFIG [--shape 1,3,224,224]</c> (ANA-01..06): builds the config's <c>model</c> as the Runner
/// does (default scope, top-level <c>data_preprocessor</c>), runs one forward pass in tensor mode on a random input of
/// that shape, and prints MMEngine's complexity table and arch views, then the totals as MMEngine's
/// <c>get_flops.py</c> does. Nothing trains; the Runner lives in a temporary work directory deleted afterwards.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var cfgOptions = CliOptions.CfgOptions("model.num_classes=10");
        var shapeOption = new Option<string>("--shape")
        {
            Description = "Input shape with the batch dimension, comma-separated (default 1,3,224,224).",
            DefaultValueFactory = _ => "1,3,224,224",
            HelpName = "N,C,H,W",
        };
        var noTable = new Option<bool>("--no-table") { Description = "Do not print the per-module table." };
        var noArch = new Option<bool>("--no-arch") { Description = "Do not print the model architecture with per-module counts." };
        var model = new Command("model", "Parameters, FLOPs and activations per module of a config's model (MMEngine's get_model_complexity_info).") { configArg };
        model.Options.Add(cfgOptions);
        model.Options.Add(shapeOption);
        model.Options.Add(noTable);
        model.Options.Add(noArch);
        model.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var shape = ParseShape(parse.GetValue(shapeOption)!);
            var cfg = TrainCommand.LoadConfig(host.Services, parse.GetValue(configArg)!, parse.GetValue(cfgOptions));
            var info = Analyze(host.Services, cfg.Dict, shape, !parse.GetValue(noTable), !parse.GetValue(noArch));
            if (info.OutTable.Length > 0) output.WriteLine(info.OutTable);
            if (info.OutArch.Length > 0) output.WriteLine(info.OutArch);
            output.WriteLine(new string('=', 30));
            output.WriteLine($"Input shape: ({string.Join(", ", shape)})");
            output.WriteLine($"Flops: {info.FlopsStr}");
            output.WriteLine($"Params: {info.ParamsStr}");
            output.WriteLine($"Activation: {info.ActivationsStr}");
            output.WriteLine(new string('=', 30));
            return 0;
        }));
        return new Command("analyze", "Analysis tools (MMEngine's tools/analysis_tools).") { model };
    }

    internal static long[] ParseShape(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
                throw new KilnException($"--shape {text}: '{parts[i]}' is not a positive integer; give the input shape with its batch dimension, e.g. --shape 1,3,32,32.");
        if (shape.Length < 2)
            throw new KilnException($"--shape {text}: give the input shape with its batch dimension, e.g. --shape 1,3,32,32.");
        return shape;
    }

    /// <summary>Builds the config's model through a Runner (so scopes and <c>data_preprocessor</c> apply) and analyses it.</summary>
    internal static ComplexityInfo Analyze(IServiceProvider services, ConfigDict cfg, long[] shape, bool showTable, bool showArch)
    {
        if (cfg.Get("model") is null) throw new KilnException("the config has no 'model' to analyse.");
        string workDir = Path.Combine(Path.GetTempPath(), "kiln-analyze-" + Guid.NewGuid().ToString("N"));
        var runnerCfg = new ConfigDict();
        foreach (var key in new[] { "default_scope", "model", "data_preprocessor" })
            if (cfg.ContainsKey(key)) runnerCfg[key] = cfg.Get(key);
        runnerCfg["work_dir"] = workDir;
        runnerCfg["log_level"] = "ERROR";
        try
        {
            using var runner = Runner.FromConfig(runnerCfg, services);
            using var scope = TorchSharp.torch.NewDisposeScope();
            var inputs = TorchSharp.torch.randn(shape);
            return ComplexityAnalysis.GetModelComplexityInfo(runner.Model, inputs, showTable, showArch);
        }
        finally
        {
            try
            {
                if (Directory.Exists(workDir)) Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
                // a temporary folder left behind is harmless
            }
        }
    }
}
