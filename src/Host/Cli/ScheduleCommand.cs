using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kiln.Config;
using Kiln.Models;
using Kiln.Optim.Schedulers;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln schedule CONFIG [--iters-per-epoch N] [--json] [--out FILE.png]</c> (SCHED-12): builds the config's real
/// optimizer wrapper (over the config's model when it builds, else over one dummy parameter) and its real
/// parameter schedulers, with <c>auto_scale_lr</c> applied, steps them as the train loop and ParamSchedulerHook
/// would, with no data, and prints the lr, momentum and weight decay of param group 0 at every training iteration.
/// Iterations per epoch: <c>--iters-per-epoch</c>, else the train dataloader's length (dataset length over batch
/// size). ReduceOnPlateau schedulers need validation metrics, so they show no reductions here.
/// </summary>
internal static class ScheduleCommand
{
    public static Command Create(Option<string[]> plugins, Option<bool> debug, TextWriter output, TextWriter error)
    {
        var configArg = CliOptions.Config();
        var itersPerEpoch = new Option<int?>("--iters-per-epoch") { Description = "Iterations per epoch (default: the train dataloader's length).", HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"lr\": [...], \"momentum\": [...], \"weight_decay\": [...]}." };
        var outPng = new Option<string?>("--out") { Description = "Also draw the schedule into a PNG file.", HelpName = "FILE.png" };
        var cfgOptions = CliOptions.CfgOptions();
        var command = new Command("schedule", "Print the learning rate, momentum and weight decay a config's schedulers give at every training iteration.") { configArg };
        command.Options.Add(itersPerEpoch);
        command.Options.Add(json);
        command.Options.Add(outPng);
        command.Options.Add(cfgOptions);
        command.SetAction(parse => KilnCli.Guard(parse, plugins, debug, output, error, host =>
        {
            var cfg = TrainCommand.LoadConfig(host.Services, parse.GetValue(configArg)!, parse.GetValue(cfgOptions));
            var trace = Simulate(host.Services, cfg.Dict, parse.GetValue(itersPerEpoch), out var notes);
            if (parse.GetValue(json)) output.WriteLine(ToJson(trace));
            else
            {
                foreach (var note in notes) output.WriteLine(note);
                output.Write(ToTable(trace));
            }
            if (parse.GetValue(outPng) is { } png)
            {
                SchedulePlot.Save(trace, png);
                if (!parse.GetValue(json)) output.WriteLine($"Saved the plot to {png}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Builds the optimizer wrapper and schedulers of <paramref name="cfg"/> and steps them (see the class summary).</summary>
    internal static ScheduleTrace Simulate(IServiceProvider services, ConfigDict cfg, int? itersPerEpoch, out List<string> notes)
    {
        notes = [];
        var trainCfg = cfg.Get("train_cfg") as ConfigDict
            ?? throw new KilnException("kiln schedule needs train_cfg (max_epochs or max_iters) to know how long training runs.");
        var optimCfg = cfg.Get("optim_wrapper") ?? throw new KilnException("kiln schedule needs optim_wrapper: the schedulers adjust its optimizer.");
        bool byEpoch = (trainCfg.Get("type") as string, trainCfg.Get("by_epoch")) switch
        {
            ("IterBasedTrainLoop", _) => false,
            ("EpochBasedTrainLoop", _) => true,
            (null, null) => true,
            (null, bool b) => b,
            (string t, _) => throw new KilnException($"train_cfg.type = '{t}': kiln schedule knows EpochBasedTrainLoop and IterBasedTrainLoop only."),
            (_, var v) => throw new KilnException($"train_cfg.by_epoch = {ConfigFormatter.Format(v)} must be True or False."),
        };
        int maxEpochs = byEpoch ? PositiveInt(trainCfg.Get("max_epochs"), "train_cfg.max_epochs") : 1;
        int maxIters = byEpoch ? 0 : PositiveInt(trainCfg.Get("max_iters"), "train_cfg.max_iters");
        var loaderCfg = cfg.Get("train_dataloader") as ConfigDict;
        int batchSize = loaderCfg?.Get("batch_size") is long bs ? (int)bs : 1;

        string workDir = Path.Combine(Path.GetTempPath(), "kiln-schedule-" + Guid.NewGuid().ToString("N"));
        var runnerCfg = new ConfigDict();
        foreach (var key in new[] { "default_scope", "randomness", "env_cfg" })
            if (cfg.Get(key) is { } v) runnerCfg[key] = v;
        runnerCfg["work_dir"] = workDir;
        runnerCfg["log_level"] = "ERROR";
        runnerCfg["model"] = BuildModel(services, cfg, notes);
        try
        {
            using var runner = Runner.FromConfig(runnerCfg, services);
            int epochLength = itersPerEpoch ?? 0;
            if (itersPerEpoch is { } given && given <= 0)
                throw new KilnException($"--iters-per-epoch must be a positive integer, got {given}.");
            if (itersPerEpoch is null)
            {
                if (loaderCfg is null)
                {
                    if (byEpoch) throw new KilnException("the config has no train_dataloader to count the iterations per epoch; pass --iters-per-epoch N.");
                }
                else
                {
                    try
                    {
                        epochLength = runner.BuildDataloader(loaderCfg, "train_dataloader").Count;
                    }
                    catch (KilnException e) when (byEpoch)
                    {
                        throw new KilnException($"the train dataloader did not build, so the iterations per epoch are unknown; pass --iters-per-epoch N. ({e.Message})");
                    }
                    catch (KilnException)
                    {
                        notes.Add("# the train dataloader did not build; convert_to_iter_based is not available without --iters-per-epoch");
                    }
                }
            }
            var wrapper = runner.BuildConfiguredOptimWrapper(optimCfg);
            runner.ScaleLr(wrapper, cfg.Get("auto_scale_lr"), batchSize);
            var schedulers = runner.BuildParamSchedulers(cfg.Get("param_scheduler"), wrapper, epochLength, maxEpochs, byEpoch ? maxEpochs * epochLength : maxIters);
            foreach (var s in schedulers.Where(s => s.NeedValArgs))
                notes.Add($"# {s.TypeName} reduces after validation, on metrics; with no validation here it shows no reductions");
            using var scope = torch.NewDisposeScope();
            return ScheduleSimulator.Run(wrapper, schedulers, byEpoch, maxEpochs, epochLength, maxIters);
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

    private static object BuildModel(IServiceProvider services, ConfigDict cfg, List<string> notes)
    {
        if (cfg.Get("model") is ConfigDict modelCfg)
        {
            try
            {
                using var scope = DefaultScope.Overwrite(cfg.Get("default_scope") as string ?? RegistryTree.RootScope);
                return ((IComponentBuilder)services.GetRequiredService<ComponentBuilder>()).Build<BaseModel>(Registries.Models, modelCfg, keyPath: "model");
            }
            catch (KilnException e)
            {
                notes.Add($"# the model did not build ({e.Message.Split('\n')[0]}); the optimizer is over one dummy parameter");
            }
        }
        else notes.Add("# the config has no model; the optimizer is over one dummy parameter");
        return new DummyModel();
    }

    private static int PositiveInt(object? value, string key) => value is long l && l is > 0 and <= int.MaxValue
        ? (int)l
        : throw new KilnException($"{key} = {ConfigFormatter.Format(value)} must be a positive integer for kiln schedule.");

    internal static string ToJson(ScheduleTrace trace)
    {
        var obj = new Dictionary<string, IReadOnlyList<double>> { ["lr"] = trace.Lr };
        if (trace.Momentum is { } m) obj["momentum"] = m;
        if (trace.WeightDecay is { } w) obj["weight_decay"] = w;
        return JsonSerializer.Serialize(obj);
    }

    /// <summary>One row per iteration where a value changes (plus the first and last), in MMEngine's <c>.4e</c>.</summary>
    internal static string ToTable(ScheduleTrace trace)
    {
        var sb = new StringBuilder();
        int n = trace.Lr.Count;
        string unit = trace.ByEpoch ? $"{n} iterations ({(trace.EpochLength > 0 ? n / trace.EpochLength : 0)} epochs x {trace.EpochLength})" : $"{n} iterations";
        sb.Append(CultureInfo.InvariantCulture, $"# {unit}; rows where a value changes, param group 0\n");
        sb.Append(trace.ByEpoch ? "     iter  epoch" : "     iter").Append("          lr");
        if (trace.Momentum is not null) sb.Append("    momentum");
        if (trace.WeightDecay is not null) sb.Append("  weight_decay");
        sb.Append('\n');
        for (int i = 0; i < n; i++)
        {
            bool changed = i == 0 || i == n - 1 || trace.Lr[i] != trace.Lr[i - 1]
                || (trace.Momentum is { } m && m[i] != m[i - 1]) || (trace.WeightDecay is { } w && w[i] != w[i - 1]);
            if (!changed) continue;
            sb.Append(CultureInfo.InvariantCulture, $"{i,9}");
            if (trace.ByEpoch) sb.Append(CultureInfo.InvariantCulture, $"{(trace.EpochLength > 0 ? i / trace.EpochLength : 0),7}");
            sb.Append(CultureInfo.InvariantCulture, $"  {E4(trace.Lr[i])}");
            if (trace.Momentum is { } mm) sb.Append(CultureInfo.InvariantCulture, $"  {E4(mm[i])}");
            if (trace.WeightDecay is { } ww) sb.Append(CultureInfo.InvariantCulture, $"    {E4(ww[i])}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string E4(double v) => v.ToString("0.0000e+00", CultureInfo.InvariantCulture);

    /// <summary>Stands in for a model that does not build: one parameter, so the optimizer has something to hold.</summary>
    private sealed class DummyModel : BaseModel
    {
        public DummyModel() : base("dummy", null) => register_parameter("weight", new TorchSharp.Modules.Parameter(zeros(1)));

        public override Models.ModelOutput Forward(Tensor inputs, IReadOnlyList<Structures.DataSample> dataSamples, ForwardMode mode) =>
            throw new InvalidOperationException("kiln schedule's stand-in model is never run.");
    }
}
