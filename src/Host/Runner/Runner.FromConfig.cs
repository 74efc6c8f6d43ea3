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
    /// MMEngine's <c>build_dataloader</c>: dataset from DATASETS, sampler from DATA_SAMPLERS (seeded with the run's
    /// seed), batches collated by <c>collate_fn</c> from FUNCTIONS (<c>pseudo_collate</c> when not given).
    /// </summary>
    internal Data.DataLoader BuildDataloader(object? value, string keyPath)
    {
        if (value is Data.DataLoader ready) return ready;
        var cfg = value as ConfigDict ?? throw new KilnException($"{keyPath} must be a dataloader dict or a DataLoader.");
        string[] known = ["dataset", "sampler", "batch_size", "num_workers", "persistent_workers", "drop_last", "pin_memory", "collate_fn", "batch_sampler", "prefetch_factor", "worker_init_fn"];
        foreach (var key in cfg.Keys)
            if (!known.Contains(key))
                throw new KilnException($"{keyPath}.{key} is not a dataloader option; valid: {string.Join(", ", known)}.");
        foreach (var key in new[] { "batch_sampler", "prefetch_factor", "worker_init_fn" })
            if (cfg.Get(key) is not null)
                throw new KilnException($"{keyPath}.{key} is not built yet in Kiln (issue 8); remove it.");
        Func<IReadOnlyList<Structures.Sample>, Structures.DataBatch>? collate = null;
        if (cfg.Get("collate_fn") is ConfigDict collateCfg)
        {
            // MMEngine: collate_fn = partial(FUNCTIONS.get(type), **rest), so a plugin's registered collate function works.
            using var scope = DefaultScope.Overwrite(_defaultScope);
            var call = _builder.Partial(Registries.Functions, collateCfg, $"{keyPath}.collate_fn");
            collate = samples => call([samples]) as Structures.DataBatch
                ?? throw new KilnException($"{keyPath}.collate_fn: '{collateCfg.Type}' must return a DataBatch.");
        }

        var datasetCfg = cfg.Get("dataset") as ConfigDict ?? throw new KilnException($"{keyPath}.dataset must be a dict with a 'type'.");
        var dataset = Build<Datasets.IDataset>(Registries.Datasets, datasetCfg, $"{keyPath}.dataset");
        var samplerCfg = cfg.Get("sampler") as ConfigDict
            ?? throw new KilnException($"{keyPath}.sampler is required, e.g. sampler=dict(type='DefaultSampler', shuffle=True).");
        var sampler = Build<Datasets.ISampler>(Registries.DataSamplers, samplerCfg, $"{keyPath}.sampler",
            new Dictionary<string, object?> { ["dataset"] = dataset, ["seed"] = _randomness.DiffRankSeed ? null : (long)Seed });
        int batchSize = Int(cfg.Get("batch_size", 1L), $"{keyPath}.batch_size");
        int workers = Int(cfg.Get("num_workers", 0L), $"{keyPath}.num_workers");
        return new Data.DataLoader(dataset, sampler, batchSize, cfg.Get("drop_last") is true, workers, collate);
    }

    private static int Int(object? value, string keyPath) => value is long l && l is >= int.MinValue and <= int.MaxValue
        ? (int)l
        : throw new KilnException($"{keyPath} = {ConfigFormatter.Format(value)} must be an integer.");
}
