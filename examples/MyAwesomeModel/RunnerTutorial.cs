using Kiln.Config;
using Kiln.Data;
using Kiln.Hosting;
using Microsoft.Extensions.Hosting;
using TorchSharp;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Examples.MyAwesomeModel;

/// <summary>What to run: the object style (L2653–2729) or example_config.py (L2808–2876), and how to shrink it.</summary>
public sealed record TutorialOptions
{
    /// <summary>Run the config-file style: <see cref="ConfigFile"/> through <c>Runner.FromConfig</c>.</summary>
    public bool ConfigStyle { get; init; }

    /// <summary>The config file; example_config.py beside the program when null.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Overrides <c>work_dir</c> (the tutorial's <c>exp/my_awesome_model</c>).</summary>
    public string? WorkDir { get; init; }

    /// <summary>Overrides <c>train_cfg.max_epochs</c> (10).</summary>
    public int? Epochs { get; init; }

    /// <summary>Overrides the training set's <c>size</c> (10000).</summary>
    public int? TrainSize { get; init; }

    /// <summary>Overrides the validation set's <c>size</c> (1000).</summary>
    public int? ValSize { get; init; }

    /// <summary>Overrides both dataloaders' <c>num_workers</c> (2).</summary>
    public int? NumWorkers { get; init; }

    /// <summary><c>randomness.seed</c>; the tutorial sets none (a random seed, logged). Both styles give the same weights for one seed.</summary>
    public int? Seed { get; init; }
}

/// <summary>MMEngine's Runner tutorial as a C# program (spec T3).</summary>
public static class RunnerTutorial
{
    /// <summary>A host with the tutorial's components registered in the <c>runner_tutorial</c> scope (and no plugin folders: it needs none).</summary>
    public static IHost CreateHost(TextWriter? console = null) => KilnHost.Create(o =>
    {
        o.LoadPluginFolders = false;
        o.InProcessPlugins.Add(new RunnerTutorialPlugin());
    }, console);

    /// <summary>Builds the Runner in the chosen style; <c>Train()</c> runs the tutorial.</summary>
    public static Runner Build(IServiceProvider services, TutorialOptions options) =>
        options.ConfigStyle ? FromConfigFile(services, options) : FromObjects(services, options);

    /// <summary>The tutorial's "long example": the model and the dataloaders built here, the rest as dicts.</summary>
    public static Runner FromObjects(IServiceProvider services, TutorialOptions options)
    {
        int epochs = options.Epochs ?? 10, trainSize = options.TrainSize ?? 10000, valSize = options.ValSize ?? 1000;
        int numWorkers = options.NumWorkers ?? 2;
        // A model built here is initialised before the Runner seeds libtorch; seed first so a seeded run repeats
        // (and matches the config style, where the Runner seeds and then builds the model).
        if (options.Seed is { } seed) torch.manual_seed(seed);
        var model = new MyAwesomeModel(layers: 2, activation: "relu");
        var trainSet = new MyDataset(isTrain: true, size: trainSize);
        var valSet = new MyDataset(isTrain: false, size: valSize);
        return Runner.Create(services,
            // your model
            model: model,
            // work directory for saving checkpoints and logs
            workDir: options.WorkDir ?? "exp/my_awesome_model",
            // training data
            trainDataloader: new DataLoader(trainSet, new DefaultSampler(trainSet, shuffle: true, seed: options.Seed),
                batchSize: 64, collate: Collate.DefaultCollate, pinMemory: true, numWorkers: numWorkers, seed: options.Seed),
            // training configurations
            trainCfg: Cfg(("by_epoch", true), ("max_epochs", (long)epochs), ("val_begin", 2L), ("val_interval", 1L)),
            // OptimizerWrapper, new concept in MMEngine for richer optimization options
            optimWrapper: Cfg(("optimizer", Cfg(("type", "Adam"), ("lr", 0.001)))),
            // ParamScheduler to adjust learning rates or momentums during training
            paramScheduler: Cfg(("type", "MultiStepLR"), ("by_epoch", true), ("milestones", new List<object?> { 4L, 8L }), ("gamma", 0.1)),
            // validation data
            valDataloader: new DataLoader(valSet, new DefaultSampler(valSet, shuffle: false),
                batchSize: 1000, collate: Collate.DefaultCollate, pinMemory: true, numWorkers: numWorkers, seed: options.Seed),
            // validation configurations, usually leave it an empty dict
            valCfg: Cfg(),
            // evaluation metrics and evaluator
            valEvaluator: new Accuracy(),
            // the most commonly used hook for modifying checkpoint saving interval
            defaultHooks: Cfg(("checkpoint", Cfg(("type", "CheckpointHook"), ("interval", 1L)))),
            // `launcher` and `env_cfg` responsible for distributed environment (backend under dist_cfg, where MMEngine reads it)
            launcher: "none",
            envCfg: Cfg(("cudnn_benchmark", false), ("dist_cfg", Cfg(("backend", "nccl"))), ("mp_cfg", Cfg(("mp_start_method", "fork")))),
            logLevel: "INFO",
            // load model weights from given path; resume training from the given path
            loadFrom: null,
            resume: false,
            randomness: options.Seed is { } s ? Cfg(("seed", (long)s)) : null);
    }

    /// <summary>The config-file style: <c>Config.fromfile('example_config.py')</c>, then <c>Runner.from_cfg(config)</c>.</summary>
    public static Runner FromConfigFile(IServiceProvider services, TutorialOptions options)
    {
        string path = options.ConfigFile ?? Path.Combine(AppContext.BaseDirectory, "example_config.py");
        var config = KilnConfig.FromFile(path);
        var overrides = new List<string>();
        if (options.WorkDir is { } workDir) config.Dict["work_dir"] = workDir;
        if (options.Epochs is { } epochs) overrides.Add($"train_cfg.max_epochs={epochs}");
        if (options.TrainSize is { } trainSize) overrides.Add($"train_dataloader.dataset.size={trainSize}");
        if (options.ValSize is { } valSize) overrides.Add($"val_dataloader.dataset.size={valSize}");
        if (options.NumWorkers is { } workers)
        {
            overrides.Add($"train_dataloader.num_workers={workers}");
            overrides.Add($"val_dataloader.num_workers={workers}");
        }
        if (options.Seed is { } seed) overrides.Add($"randomness.seed={seed}");
        if (overrides.Count > 0) config.MergeFromDict(KilnConfig.ParseCfgOptions(overrides));
        return Runner.FromConfig(config.Dict, services, config.FileName, config.PrettyText);
    }

    private static ConfigDict Cfg(params (string Key, object? Value)[] items)
    {
        var dict = new ConfigDict();
        foreach (var (key, value) in items) dict[key] = value;
        return dict;
    }
}
