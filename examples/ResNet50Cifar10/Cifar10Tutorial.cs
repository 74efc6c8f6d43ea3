using Kiln.Config;
using Kiln.Data;
using Kiln.Datasets;
using Kiln.Hosting;
using Kiln.Vision.Datasets;
using Kiln.Vision.Transforms;
using Microsoft.Extensions.Hosting;

namespace Kiln.Examples.ResNet50Cifar10;

/// <summary>The tutorial's settings (its values by default) and the knobs that shrink a run.</summary>
public sealed record TutorialOptions
{
    /// <summary>The folder holding <c>cifar-10-batches-bin/</c> (the tutorial's <c>'data/cifar10'</c>).</summary>
    public string DataRoot { get; init; } = "data/cifar10";

    public string WorkDir { get; init; } = "./work_dir";

    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 32;

    /// <summary>Only the first N training images (all 50,000 when null).</summary>
    public int? MaxTrainSamples { get; init; }

    /// <summary>Only the first N test images (all 10,000 when null).</summary>
    public int? MaxValSamples { get; init; }

    /// <summary>LoggerHook's interval (MMEngine's default 10).</summary>
    public int LogInterval { get; init; } = 10;

    /// <summary>Data-loading worker threads (PyTorch's DataLoader default 0).</summary>
    public int NumWorkers { get; init; }

    /// <summary><c>randomness.seed</c>; the tutorial sets none.</summary>
    public int? Seed { get; init; }
}

/// <summary>MMEngine's "15 minutes to get started" as a C# program (spec T1, L343–420).</summary>
public static class Cifar10Tutorial
{
    /// <summary>torchvision's <c>norm_cfg</c>: <c>ToTensor()</c> scales pixels to [0, 1] before <c>Normalize(mean, std)</c>.</summary>
    public static readonly double[] Mean = [0.491, 0.482, 0.447];

    public static readonly double[] Std = [0.202, 0.199, 0.201];

    public static IHost CreateHost(TextWriter? console = null) => KilnHost.Create(configure: null, console);

    /// <summary>
    /// <c>transforms.Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(**norm_cfg)])</c>
    /// for training, <c>[ToTensor(), Normalize(**norm_cfg)]</c> for validation. MMCV's <c>Normalize</c> works on 0–255
    /// values, so <c>ToTensor</c>'s ÷255 goes into its mean and std (×255: the same maths); <c>PackInputs</c> makes the
    /// C×H×W tensor. CIFAR images are RGB already, so no channel swap.
    /// </summary>
    public static ITransform[] Pipeline(bool train)
    {
        var normalize = new Normalize(Mean.Select(m => m * 255).ToArray(), Std.Select(s => s * 255).ToArray(), toRgb: false);
        return train
            ? [new RandomCrop([32], padding: [4]), new RandomFlip(prob: 0.5, direction: "horizontal"), normalize, new PackInputs()]
            : [normalize, new PackInputs()];
    }

    /// <summary>The Runner of the tutorial, from objects: <c>Runner(model=MMResNet50(), work_dir=..., train_dataloader=..., ...)</c>.</summary>
    public static Runner Build(IServiceProvider services, TutorialOptions options)
    {
        CheckData(options.DataRoot);
        var trainSet = new Cifar10(options.DataRoot, testMode: false, download: false, pipeline: Pipeline(train: true),
            indices: options.MaxTrainSamples is { } nt ? (long)nt : null);
        var valSet = new Cifar10(options.DataRoot, testMode: true, download: false, pipeline: Pipeline(train: false),
            indices: options.MaxValSamples is { } nv ? (long)nv : null);
        // A seeded run passes its seed to what is built here (the Runner passes it to what it builds from dicts): the
        // sampler's shuffle and the dataloader's per-sample augmentation seeds, so object and config runs match.
        var trainDataloader = new DataLoader(trainSet, new DefaultSampler(trainSet, shuffle: true, seed: options.Seed),
            batchSize: options.BatchSize, collate: Collate.DefaultCollate, numWorkers: options.NumWorkers, seed: options.Seed);
        var valDataloader = new DataLoader(valSet, new DefaultSampler(valSet, shuffle: false),
            batchSize: options.BatchSize, collate: Collate.DefaultCollate, numWorkers: options.NumWorkers, seed: options.Seed);

        if (options.Seed is { } seed) TorchSharp.torch.manual_seed(seed);   // the model is built here, before the Runner seeds
        return Runner.Create(services,
            // the model used for training and validation
            model: new MMResNet50(),
            // working directory which saves training logs and weight files
            workDir: options.WorkDir,
            // train dataloader: ready-made, as the tutorial's torch DataLoader
            trainDataloader: trainDataloader,
            // optimize wrapper for optimization with additional features like AMP, gradient accumulation, etc
            optimWrapper: Cfg(("optimizer", Cfg(("type", "SGD"), ("lr", 0.001), ("momentum", 0.9)))),
            // training configs for specifying training epochs, validation intervals, etc
            trainCfg: Cfg(("by_epoch", true), ("max_epochs", (long)options.Epochs), ("val_interval", 1L)),
            // validation dataloader
            valDataloader: valDataloader,
            // validation configs for specifying additional parameters required for validation
            valCfg: Cfg(),
            // validation evaluator: the tutorial's own Accuracy
            valEvaluator: new Accuracy(),
            defaultHooks: options.LogInterval == 10 ? null : Cfg(("logger", Cfg(("type", "LoggerHook"), ("interval", (long)options.LogInterval)))),
            randomness: options.Seed is { } s ? Cfg(("seed", (long)s)) : null);
    }

    /// <summary>Nothing is downloaded (<c>download</c> stays off): a missing batch file is an error saying where to get it.</summary>
    public static void CheckData(string dataRoot)
    {
        string folder = Path.Combine(Path.GetFullPath(dataRoot), "cifar-10-batches-bin");
        string[] files = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
        var missing = files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
            throw new KilnException($"CIFAR-10 binary batches not found: {string.Join(", ", missing)} missing in {folder}. "
                + "Get the binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), extract it so that "
                + $"{folder} holds data_batch_1.bin … data_batch_5.bin and test_batch.bin, or pass --data-root DIR (the folder above cifar-10-batches-bin).");
    }

    private static ConfigDict Cfg(params (string Key, object? Value)[] items)
    {
        var dict = new ConfigDict();
        foreach (var (key, value) in items) dict[key] = value;
        return dict;
    }
}
