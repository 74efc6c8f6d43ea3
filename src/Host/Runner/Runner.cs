using System.Globalization;
using Kiln.Config;
using Kiln.Datasets;
using Kiln.Hooks;
using Kiln.Logging;
using Kiln.Loops;
using Kiln.Models;
using Kiln.Optim;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln;

/// <summary>
/// MMEngine's <c>Runner</c>: owns the model, hooks, message hub and logger from construction, and builds the
/// loops, dataloaders and optimizer wrapper lazily, on the first <see cref="Train"/>, <see cref="Val"/> or
/// <see cref="Test"/>, in MMEngine's order (mmengine-internals §1.2-1.4).
/// Construction order: work dir → randomness → experiment name and log dir → default scope → logger (and the
/// environment and config logged) → message hub → model (seeded, so its initial weights are reproducible) →
/// hooks → config dump.
/// </summary>
[Register(Registries.Runners)]
public partial class Runner : IHostRunnerContext, IDisposable
{
    private readonly ComponentBuilder _builder;
    private readonly IDisposable _logFile;
    private readonly string? _defaultScope;
    private readonly RandomnessSettings _randomness;
    private TrainLoop? _trainLoop;
    private ValLoop? _valLoop;
    private ValLoop? _testLoop;
    private IManagedOptimWrapper? _optimWrapper;
    private bool _stopRequested;
    private Progress.ProgressBars? _progress;

    /// <summary>The merged config the Runner was built from.</summary>
    public ConfigDict Cfg { get; }

    public string WorkDir { get; }

    public string LogDir { get; }

    public string Timestamp { get; }

    public string ExperimentName { get; }

    public int Seed => _randomness.Seed;

    /// <summary>The run's visualizer (MMEngine's <c>runner.visualizer</c>), also <see cref="Visualization.Visualizer.GetCurrentInstance"/>.</summary>
    public Visualization.Visualizer Visualizer { get; }

    Visualization.Visualizer? IRunnerContext.Visualizer => Visualizer;

    /// <summary>MMEngine's <c>runner.distributed</c>: the config's <c>launcher</c> is not 'none'.</summary>
    public bool IsDistributed { get; }

    /// <summary>The model wrapper the train loop calls (MMEngine's <c>wrap_model</c>): set in distributed runs, else null.</summary>
    public IModelWrapper? ModelWrapper { get; }

    /// <summary>Processes in the run, from <see cref="Distributed.Dist.Current"/> (1 unless a launcher set a group).</summary>
    public int WorldSize => Distributed.Dist.WorldSize;

    /// <summary>This process's rank in <see cref="Distributed.Dist.Current"/>.</summary>
    public int Rank => Distributed.Dist.Rank;

    /// <summary>The train dataloader, once <see cref="Train"/> has built it (MMEngine's <c>runner.train_dataloader</c>).</summary>
    public Data.DataLoader? TrainDataloader => _trainLoop?.Dataloader;

    /// <summary>The val dataloader, once built.</summary>
    public Data.DataLoader? ValDataloader => _valLoop?.Dataloader;

    /// <summary>The test dataloader, once built.</summary>
    public Data.DataLoader? TestDataloader => _testLoop?.Dataloader;

    public MessageHub MessageHub { get; } = new();

    IMessageHub IRunnerContext.MessageHub => MessageHub;

    public ILogger Logger { get; }

    public BaseModel Model { get; }

    public torch.Device Device { get; }

    public HookList HookList { get; } = new();

    public LogProcessor LogProcessor { get; }

    /// <summary>The config file the Runner was built from, when there was one.</summary>
    public string? ConfigPath { get; }

    /// <summary>The config as Python text, saved into checkpoints (<c>meta.cfg</c>) and the work directory.</summary>
    public string ConfigText { get; }

    public int Epoch => _trainLoop?.Epoch ?? 0;

    public int Iter => _trainLoop?.Iter ?? 0;

    public int MaxEpochs => _trainLoop?.MaxEpochs ?? 0;

    public int MaxIters => _trainLoop?.MaxIters ?? 0;

    public bool HasTrainLoop => _trainLoop is not null;

    /// <summary>True when the train loop counts epochs (EpochBasedTrainLoop), for the progress bar's label.</summary>
    internal bool TrainByEpoch => _trainLoop is EpochBasedTrainLoop;

    public IOptimWrapper? OptimWrapper => _optimWrapper;

    internal ValLoop? ValLoop => _valLoop;

    ISampler? IHostRunnerContext.TrainSampler => _trainLoop?.Dataloader.Sampler;

    void IHostRunnerContext.CloseLogFile() => _logFile.Dispose();

    public int DataloaderLength(string mode) => mode switch
    {
        "train" => _trainLoop?.Dataloader.Count,
        "val" => _valLoop?.Dataloader.Count,
        "test" => _testLoop?.Dataloader.Count,
        _ => null,
    } ?? throw new InvalidOperationException($"there is no {mode} dataloader in this run.");

    /// <summary>
    /// Ends training after the current iteration, mid-epoch, skipping the epoch's end, validation and AfterTrain
    /// (<c>kiln serve</c>'s graceful stop: its hook saves a checkpoint first, and the job resumes from it).
    /// </summary>
    public void Interrupt()
    {
        if (_trainLoop is not null) _trainLoop.Interrupted = true;
    }

    /// <summary>Whether <see cref="Interrupt"/> ended the last <see cref="Train"/> early.</summary>
    public bool Interrupted => _trainLoop?.Interrupted ?? false;

    public void RequestStop()
    {
        _stopRequested = true;
        if (_trainLoop is not null) _trainLoop.StopTraining = true;
    }

    internal IManagedOptimWrapper RequireOptimWrapper() =>
        _optimWrapper ?? throw new InvalidOperationException("the optimizer wrapper is built by Train(); it is missing.");

    /// <summary>
    /// Builds the Runner from <paramref name="args"/>. A Runner of a plugin's own (<c>runner_type</c>, RUN-18) derives
    /// from this class, takes <see cref="RunnerArgs"/> first and any services it needs after it; the host creates it
    /// through dependency injection (<see cref="FromConfig"/>).
    /// </summary>
    protected Runner(RunnerArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var (cfg, services, configPath, configText) = args;
        Cfg = cfg;
        ConfigPath = configPath;
        ConfigText = configText;
        _builder = services.GetRequiredService<ComponentBuilder>();

        // 1. work dir
        WorkDir = Path.GetFullPath(cfg.Get("work_dir") as string
            ?? throw new KilnException("the config has no 'work_dir'; set it in the config or pass --work-dir."));
        Directory.CreateDirectory(WorkDir);

        // 2. environment: the process group of the launcher (MMEngine's setup_env → init_dist), then randomness,
        // before anything draws random numbers (a missing seed is rank 0's; diff_rank_seed adds the rank).
        var launcher = cfg.Get("launcher", "none");
        Kiln.Distributed.Launcher.Init(launcher);
        IsDistributed = launcher is not "none";
        _randomness = RandomnessSettings.From(cfg.Get("randomness"), Kiln.Distributed.Dist.Rank);
        Interop.LibTorchWarmup.Wait();   // kiln train/test/val warm libtorch up while the host starts; done before seeding
        bool randomnessApplied = _randomness.Apply();

        // 3. timestamp (rank 0's, broadcast, as MMEngine), experiment name, log dir
        Timestamp = SyncedNow().ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        string stem = configPath is null ? "" : Path.GetFileNameWithoutExtension(configPath);
        ExperimentName = cfg.Get("experiment_name") is string name ? $"{name}_{Timestamp}"
            : stem.Length > 0 ? $"{stem}_{Timestamp}" : Timestamp;
        LogDir = Path.Combine(WorkDir, Timestamp);
        Directory.CreateDirectory(LogDir);

        // 4. default scope: every build below resolves types there first
        _defaultScope = cfg.Get("default_scope", RegistryTree.RootScope) as string;

        // 5. logger, then the environment and config into the log
        var provider = services.GetRequiredService<MMLoggerProvider>();
        provider.MinimumLevel = ParseLogLevel(cfg.Get("log_level", "INFO"));
        _logFile = AttachLogFile(provider);
        Logger = provider.CreateLogger("Kiln.Runner");
        TopLevelKeys.Check(cfg, Logger);
        EnvSettings.From(cfg.Get("env_cfg")).Apply(Logger, _randomness.Deterministic);
        LogDistCfg(cfg.Get("env_cfg"));
        LogEnvironment(randomnessApplied, services.GetService<Hosting.PluginCatalog>());

        // 6. visualizer (its backends get the config now and the LoggerHook's scalars later), log processor
        Visualizer = BuildVisualizer(cfg.Get("visualizer"));
        LogProcessor = cfg.Get("log_processor") is ConfigDict lp
            ? Build<LogProcessor>(Registries.LogProcessors, WithDefaultType(lp, nameof(Logging.LogProcessor)), "log_processor")
            : new LogProcessor();

        // 7. model, on the device
        Device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        Model = (cfg.Get("model") switch
        {
            BaseModel ready => ready,
            ConfigDict modelCfg => Build<BaseModel>(Registries.Models, WithDataPreprocessor(modelCfg, cfg.Get("data_preprocessor")), "model"),
            _ => throw new KilnException("the config has no 'model' dict (model = dict(type=..., ...))."),
        }).MoveTo(Device);
        ModelWrapper = WrapModel(cfg.Get("model_wrapper_cfg"));

        // 8. hooks
        RegisterHooks(cfg.Get("default_hooks") as ConfigDict, cfg.Get("custom_hooks"));
        Logger.LogInformation("Hooks will be executed in the following order:\n{HooksInfo}", HookList.GetHooksInfo());
        _progress = StartProgressBars(provider);

        // 9. config dump
        if (configPath is not null && Kiln.Distributed.Dist.IsMainProcess)
            IO.AtomicFile.WriteAllText(Path.Combine(WorkDir, Path.GetFileName(configPath)), ConfigText);
    }

    private static LogLevel ParseLogLevel(object? level) => (level as string)?.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" => LogLevel.Critical,
        _ => throw new KilnException($"log_level = {ConfigFormatter.Format(level)} is not a level; valid: 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'."),
    };

    /// <summary>
    /// MMEngine's <c>_log_env</c>: a "System environment:" block (OS, .NET, CPU count, CUDA, TorchSharp and libtorch
    /// versions, Kiln, the .NET runtime's memory settings, the loaded plugins) and a "Runtime environment:" block (the <c>env_cfg</c> entries as given, the
    /// seed, determinism, libtorch's threads, the launcher, whether distributed, and the world size as MMEngine's
    /// "GPU number"), between 60-dash lines; then the config.
    /// </summary>
    private void LogEnvironment(bool randomnessApplied, Hosting.PluginCatalog? plugins)
    {
        var system = new List<(string, object?)>
        {
            ("OS", System.Runtime.InteropServices.RuntimeInformation.OSDescription),
            (".NET", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription),
            ("CPU count", Environment.ProcessorCount),
            ("CUDA available", torch.cuda.is_available() ? "True" : "False"),
        };
        if (torch.cuda.is_available()) system.Add(("GPU count", torch.cuda.device_count()));
        system.Add(("TorchSharp", typeof(torch).Assembly.GetName().Version));
        system.Add(("libtorch", torch.__version__));
        system.Add(("Kiln", KilnVersion.Current));
        system.Add((".NET runtime", DotNetRuntimeSettings.Describe()));
        system.Add(("Plugins", plugins is null || plugins.Plugins.Count == 0 ? "none"
            : string.Join(", ", plugins.Plugins.Select(p => $"{p.Name} {p.Version} (scope {p.Scope})"))));

        var runtime = new List<(string, object?)>();
        if (Cfg.Get("env_cfg") is ConfigDict envCfg)
            foreach (var (key, value) in envCfg) runtime.Add((key, value is string text ? text : ConfigFormatter.Format(value)));
        runtime.Add(("seed", Seed));
        runtime.Add(("deterministic", _randomness.Deterministic ? "True" : "False"));
        runtime.Add(("libtorch threads", torch.get_num_threads()));
        runtime.Add(("libtorch interop threads", torch.get_num_interop_threads()));
        runtime.Add(("Distributed launcher", Cfg.Get("launcher", "none") as string ?? "none"));
        runtime.Add(("Distributed training", WorldSize > 1 ? "True" : "False"));
        runtime.Add(("GPU number", WorldSize));

        static string Block(List<(string Key, object? Value)> items) =>
            string.Concat(items.Select(i => "\n    " + i.Key + ": " + Convert.ToString(i.Value, CultureInfo.InvariantCulture)));
        string dash = new('-', 60);
        Logger.LogInformation("{Environment}", "\n" + dash + "\nSystem environment:" + Block(system) + "\n\nRuntime environment:" + Block(runtime) + "\n" + dash + "\n");
        Logger.LogInformation("Config:\n{Config}", ConfigText);
        if (!randomnessApplied)
            Logger.LogWarning("randomness.deterministic=True is not applied: this libtorch does not export at::Context::setDeterministicAlgorithms under the name Kiln calls. Kiln's own data order is still seeded.");
    }

    /// <summary>Builds from the registries inside the Runner's default scope; constructors asking for <see cref="IMessageHub"/> get this run's.</summary>
    internal T Build<T>(string registry, ConfigDict cfg, string keyPath, IReadOnlyDictionary<string, object?>? defaultArgs = null) where T : class
    {
        using var scope = DefaultScope.Overwrite(_defaultScope);
        using var hub = ComponentBuilder.Provide<IMessageHub>(MessageHub);
        return ((IComponentBuilder)_builder).Build<T>(registry, cfg, defaultArgs, keyPath);
    }

    T IHostRunnerContext.Build<T>(string registry, ConfigDict cfg, string keyPath, IReadOnlyDictionary<string, object?>? defaultArgs) where T : class =>
        Build<T>(registry, cfg, keyPath, defaultArgs);

    /// <summary>MMEngine: a top-level <c>data_preprocessor</c> is the model's unless the model dict sets its own.</summary>
    private static ConfigDict WithDataPreprocessor(ConfigDict model, object? dataPreprocessor)
    {
        if (dataPreprocessor is null || model.ContainsKey("data_preprocessor")) return model;
        var copy = new ConfigDict(model) { ["data_preprocessor"] = dataPreprocessor };
        return copy;
    }

    internal static ConfigDict WithDefaultType(ConfigDict cfg, string type)
    {
        var copy = new ConfigDict(cfg);
        copy.SetDefault("type", type);
        return copy;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Stops the workers of the dataloaders it built, closes the log file and frees the native memory of the model
    /// (its parameters and their gradients) and of the optimizers' state (momentum buffers, moments), so a process that
    /// runs many jobs (<c>kiln serve</c>) does not keep each finished run's tensors.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var loader in _builtDataloaders) loader.Dispose();
        StopProgressBars();
        _logFile.Dispose();
        Visualizer.Dispose();
        foreach (var optimizer in Optimizers(_optimWrapper)) optimizer.Dispose();
        Model.Dispose();
    }

    private static IEnumerable<torch.optim.Optimizer> Optimizers(IManagedOptimWrapper? wrapper) => wrapper switch
    {
        Optim.OptimWrapperDict dict => dict.Values.Select(w => w.Optimizer),
        Optim.OptimWrapper single => [single.Optimizer],
        _ => [],
    };
}
