using Kiln.Config;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln;

public partial class Runner
{
    /// <summary>Top-level keys whose features are not built yet; a config that sets them gets a clear error rather than being silently ignored.</summary>
    private static readonly (string Key, string Issue)[] NotBuiltKeys =
    [
        ("compile", "compile arrives with issue 12"),
    ];

    /// <summary>
    /// MMEngine's <c>Runner.from_cfg</c>: checks the train/val/test triples (all set or all None), then builds
    /// the Runner. <paramref name="configText"/> is the config as Python text (logged, dumped, saved in checkpoints).
    /// </summary>
    public static Runner FromConfig(ConfigDict cfg, IServiceProvider services, string? configPath = null, string? configText = null)
    {
        ValidateTriple(cfg, "train_dataloader", "train_cfg", "optim_wrapper");
        ValidateTriple(cfg, "val_dataloader", "val_cfg", "val_evaluator");
        ValidateTriple(cfg, "test_dataloader", "test_cfg", "test_evaluator");
        if (cfg.Get("param_scheduler") is not null && cfg.Get("optim_wrapper") is null)
            throw new KilnException("param_scheduler is set but optim_wrapper is not: schedulers adjust the optimizer's parameters, so set optim_wrapper too.");
        foreach (var (key, why) in NotBuiltKeys)
            if (cfg.Get(key) is not null and not false && !(cfg.Get(key) is ConfigDict d && d.Get("enable") is false))
                throw new KilnException($"'{key}' is set in the config, but {why} in Kiln; remove it or set it to None.");
        var args = new RunnerArgs(cfg, services, configPath, configText ?? ConfigFormatter.Format(cfg));
        var runnerType = ResolveRunnerType(cfg, services);
        return runnerType == typeof(Runner)
            ? new Runner(args)
            : (Runner)ActivatorUtilities.CreateInstance(services, runnerType, args);
    }

    /// <summary>
    /// MMEngine's <c>runner_type</c> (RUN-18): the Runner class, looked up in the RUNNERS registry from the config's
    /// <c>default_scope</c> (so <c>'MyRunner'</c> finds the plugin's, and <c>'vision.MyRunner'</c> works from anywhere).
    /// It must derive from <see cref="Runner"/> and have a public constructor taking <see cref="RunnerArgs"/> first.
    /// </summary>
    private static Type ResolveRunnerType(ConfigDict cfg, IServiceProvider services)
    {
        var value = cfg.Get("runner_type");
        if (value is null) return typeof(Runner);
        if (value is not string name)
            throw new KilnException($"runner_type = {ConfigFormatter.Format(value)} must be the registered name of a Runner class, e.g. runner_type='Runner'.");
        var builder = services.GetRequiredService<ComponentBuilder>();
        using var scope = DefaultScope.Overwrite(cfg.Get("default_scope", RegistryTree.RootScope) as string);
        var registration = builder.Resolve(Registries.Runners, name, "runner_type");
        if (registration.Type is not { } type || !typeof(Runner).IsAssignableFrom(type))
            throw new KilnException($"runner_type = '{name}' resolves to {registration.Origin}, which does not derive from Kiln.Runner.");
        if (type != typeof(Runner) && !type.GetConstructors().Any(c => c.GetParameters() is [{ } first, ..] && first.ParameterType == typeof(RunnerArgs)))
            throw new KilnException($"runner_type = '{name}': {type.FullName} needs a public constructor whose first parameter is Kiln.RunnerArgs (passed on to Runner's constructor).");
        return type;
    }

    private static void ValidateTriple(ConfigDict cfg, params string[] keys)
    {
        var set = keys.Where(k => cfg.Get(k) is not null).ToList();
        if (set.Count != 0 && set.Count != keys.Length)
            throw new KilnException(
                $"{string.Join(", ", keys)} should be either all None or all set; the config sets only {string.Join(", ", set)}.");
    }

    /// <summary>
    /// MMEngine's <c>build_dataloader</c> for this run: the run's default scope, message hub and seed (the sampler's,
    /// unless <c>diff_rank_seed</c>, and the per-sample seeds').
    /// </summary>
    internal Data.DataLoader BuildDataloader(object? value, string keyPath)
    {
        if (value is Data.DataLoader ready) return ready;
        var cfg = value as ConfigDict ?? throw new KilnException($"{keyPath} must be a dataloader dict or a DataLoader.");
        using var hub = ComponentBuilder.Provide<Logging.IMessageHub>(MessageHub);
        return BuildDataloader(cfg, _builder, _defaultScope, _randomness.DiffRankSeed ? null : Seed, Seed, keyPath);
    }

    /// <summary>
    /// MMEngine's static <c>Runner.build_dataloader(cfg)</c> (RUN-17), usable without a Runner: dataset from DATASETS
    /// (a dict, or a ready <c>IDataset</c>; a BaseDataset is fully initialised first), sampler from DATA_SAMPLERS
    /// seeded with <paramref name="seed"/>, an optional <c>batch_sampler</c> from DATA_SAMPLERS given the sampler and
    /// <c>batch_size</c>, <c>collate_fn</c> and <c>worker_init_fn</c> from FUNCTIONS (as partials), and the worker
    /// options <c>num_workers</c>, <c>prefetch_factor</c>, <c>persistent_workers</c>, <c>pin_memory</c>, <c>drop_last</c>.
    /// </summary>
    public static Data.DataLoader BuildDataloader(ConfigDict cfg, IServiceProvider services, int? seed = null, string? defaultScope = null)
        => BuildDataloader(cfg, services.GetRequiredService<ComponentBuilder>(), defaultScope, seed, seed, "dataloader");

    private static Data.DataLoader BuildDataloader(ConfigDict cfg, ComponentBuilder builder, string? defaultScope, int? samplerSeed, int? loaderSeed, string keyPath)
    {
        string[] known = ["dataset", "sampler", "batch_size", "num_workers", "persistent_workers", "drop_last", "pin_memory", "collate_fn", "batch_sampler", "prefetch_factor", "worker_init_fn"];
        foreach (var key in cfg.Keys)
            if (!known.Contains(key))
                throw new KilnException($"{keyPath}.{key} is not a dataloader option; valid: {string.Join(", ", known)}.");
        if (cfg.ContainsKey("shuffle"))
            throw new KilnException($"{keyPath}.shuffle: dict dataloaders take a sampler instead, e.g. sampler=dict(type='DefaultSampler', shuffle=True).");
        using var scope = DefaultScope.Overwrite(defaultScope);
        var component = (IComponentBuilder)builder;

        Func<IReadOnlyList<Structures.Sample>, Structures.DataBatch>? collate = null;
        if (cfg.Get("collate_fn") is ConfigDict collateCfg)
        {
            // MMEngine: collate_fn = partial(FUNCTIONS.get(type), **rest), so a plugin's registered collate function works.
            var call = builder.Partial(Registries.Functions, collateCfg, $"{keyPath}.collate_fn");
            collate = samples => call([samples]) as Structures.DataBatch
                ?? throw new KilnException($"{keyPath}.collate_fn: '{collateCfg.Type}' must return a DataBatch.");
        }
        else if (cfg.Get("collate_fn") is { } other)
            throw new KilnException($"{keyPath}.collate_fn = {ConfigFormatter.Format(other)} must be a dict naming a registered function, e.g. dict(type='default_collate').");

        Action<int>? workerInit = null;
        if (cfg.Get("worker_init_fn") is ConfigDict initCfg)
        {
            var call = builder.Partial(Registries.Functions, initCfg, $"{keyPath}.worker_init_fn");
            workerInit = workerId => call([workerId]);
        }

        Datasets.IDataset dataset = cfg.Get("dataset") switch
        {
            Datasets.IDataset ready => ready,
            ConfigDict datasetCfg => component.Build<Datasets.IDataset>(Registries.Datasets, datasetCfg, null, $"{keyPath}.dataset"),
            _ => throw new KilnException($"{keyPath}.dataset must be a dict with a 'type' or a dataset object."),
        };
        if (dataset is Datasets.IAnnotatedDataset annotated) annotated.FullInit();
        var samplerCfg = cfg.Get("sampler") as ConfigDict
            ?? throw new KilnException($"{keyPath}.sampler is required, e.g. sampler=dict(type='DefaultSampler', shuffle=True).");
        var sampler = component.Build<Datasets.ISampler>(Registries.DataSamplers, samplerCfg,
            new Dictionary<string, object?> { ["dataset"] = dataset, ["seed"] = samplerSeed is { } s ? (long)s : null }, $"{keyPath}.sampler");
        int batchSize = Int(cfg.Get("batch_size", 1L), $"{keyPath}.batch_size");
        Datasets.IBatchSampler? batchSampler = null;
        if (cfg.Get("batch_sampler") is ConfigDict batchSamplerCfg)
            batchSampler = component.Build<Datasets.IBatchSampler>(Registries.DataSamplers, batchSamplerCfg,
                new Dictionary<string, object?> { ["sampler"] = sampler, ["batch_size"] = (long)batchSize }, $"{keyPath}.batch_sampler");
        else if (cfg.Get("batch_sampler") is { } bad)
            throw new KilnException($"{keyPath}.batch_sampler = {ConfigFormatter.Format(bad)} must be a dict with a 'type' (a batch sampler in DATA_SAMPLERS).");
        int workers = Int(cfg.Get("num_workers", 0L), $"{keyPath}.num_workers");
        int? prefetch = cfg.Get("prefetch_factor") is { } p ? Int(p, $"{keyPath}.prefetch_factor") : null;
        return new Data.DataLoader(dataset, sampler, batchSize, Bool(cfg, "drop_last", keyPath), workers, collate, prefetch,
            Bool(cfg, "persistent_workers", keyPath), Bool(cfg, "pin_memory", keyPath), batchSampler, loaderSeed, workerInit);
    }

    private static bool Bool(ConfigDict cfg, string key, string keyPath) => cfg.Get(key, false) switch
    {
        bool b => b,
        var v => throw new KilnException($"{keyPath}.{key} = {ConfigFormatter.Format(v)} must be True or False."),
    };

    private static int Int(object? value, string keyPath) => value is long l && l is >= int.MinValue and <= int.MaxValue
        ? (int)l
        : throw new KilnException($"{keyPath} = {ConfigFormatter.Format(value)} must be an integer.");
}
