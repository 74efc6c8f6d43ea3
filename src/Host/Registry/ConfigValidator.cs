using System.Collections;
using System.Reflection;
using Kiln.Config;
using Kiln.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Kiln.Registry;

/// <summary>
/// <c>kiln config validate</c>: checks a Runner config against the registries and constructor signatures without
/// building anything (no constructor runs, no tensor is allocated). It walks the keys the Runner builds from, in
/// the Runner's shapes (mmengine-internals §1, §2): every <c>type</c> must resolve in the default scope (the
/// config's <c>default_scope</c>, switched by <c>_scope_</c>), every key must name a constructor parameter, every
/// required parameter must be given (or come from DI or the Runner), values must convert to the parameter types,
/// and nested dicts whose parameter is a registered kind are checked the same way. Every problem is collected,
/// each with its key path.
/// </summary>
public sealed class ConfigValidator(RegistryTree tree, IServiceProvider services)
{
    private readonly List<string> _problems = [];
    private readonly IServiceProviderIsService? _isService = services.GetService<IServiceProviderIsService>();

    /// <summary>The problems found in <paramref name="cfg"/>, in config order; empty when it is valid.</summary>
    public IReadOnlyList<string> Validate(ConfigDict cfg)
    {
        _problems.Clear();
        var scope = cfg.Get("default_scope", RegistryTree.RootScope);
        if (scope is not string defaultScope)
        {
            _problems.Add($"default_scope = {ConfigFormatter.Format(scope)} must be a scope name; scopes: {string.Join(", ", tree.Scopes)}.");
            defaultScope = RegistryTree.RootScope;
        }
        else if (!tree.Scopes.Contains(defaultScope))
        {
            _problems.Add($"default_scope = '{defaultScope}' is not a loaded scope; scopes: {string.Join(", ", tree.Scopes)}.");
        }
        using var _ = DefaultScope.Overwrite(defaultScope);

        if (cfg.Get("model") is ConfigDict model) Component(Registries.Models, model, "model");
        else _problems.Add("model: the config has no 'model' dict (model = dict(type=..., ...)).");

        foreach (var mode in new[] { "train", "val", "test" })
            if (cfg.Get($"{mode}_dataloader") is { } loader) Dataloader(loader, $"{mode}_dataloader");
        if (cfg.Get("train_cfg") is ConfigDict trainCfg) TrainLoop(trainCfg);
        foreach (var mode in new[] { "val", "test" })
        {
            if (cfg.Get($"{mode}_cfg") is ConfigDict loopCfg)
                foreach (var key in loopCfg.Keys.Where(k => k is not ("type" or "fp16")))
                    _problems.Add($"{mode}_cfg.{key} is not a {mode} loop option; valid: type, fp16.");
            if (cfg.Get($"{mode}_evaluator") is { } evaluator) Evaluator(evaluator, $"{mode}_evaluator");
        }
        if (cfg.Get("optim_wrapper") is ConfigDict optimWrapper) OptimWrapper(optimWrapper);
        Hooks(cfg.Get("default_hooks"), cfg.Get("custom_hooks"));
        if (cfg.Get("log_processor") is ConfigDict logProcessor) Component(Registries.LogProcessors, WithDefaultType(logProcessor, "LogProcessor"), "log_processor");
        if (cfg.Get("param_scheduler") is { } schedulers) DictOrList(Registries.ParamSchedulers, schedulers, "param_scheduler");
        if (cfg.Get("visualizer") is ConfigDict visualizer) Component(Registries.Visualizers, visualizer, "visualizer");
        return _problems.ToList();
    }

    private void Dataloader(object? value, string path)
    {
        if (value is not ConfigDict cfg)
        {
            _problems.Add($"{path} must be a dataloader dict (dataset=..., sampler=..., batch_size=...), not {ConfigFormatter.Format(value)}.");
            return;
        }
        string[] known = ["dataset", "sampler", "batch_size", "num_workers", "persistent_workers", "drop_last", "pin_memory", "collate_fn", "batch_sampler", "prefetch_factor", "worker_init_fn"];
        foreach (var key in cfg.Keys.Where(k => !known.Contains(k)))
            _problems.Add($"{path}.{key} is not a dataloader key{Hint(key, known)}; valid: {string.Join(", ", known)}.");
        if (cfg.Get("dataset") is ConfigDict dataset) Component(Registries.Datasets, dataset, $"{path}.dataset");
        else _problems.Add($"{path}.dataset must be a dict with a 'type'.");
        if (cfg.Get("sampler") is { } sampler)
        {
            if (sampler is ConfigDict s) Component(Registries.DataSamplers, s, $"{path}.sampler", given: ["dataset", "seed"]);
            else _problems.Add($"{path}.sampler must be a sampler dict, e.g. dict(type='DefaultSampler', shuffle=True).");
        }
        foreach (var key in new[] { "batch_size", "num_workers" })
            if (cfg.Get(key) is { } n and not long)
                _problems.Add($"{path}.{key} = {ConfigFormatter.Format(n)} must be an int.");
        if (cfg.Get("collate_fn") is ConfigDict collate) Resolve(Registries.Functions, collate, $"{path}.collate_fn");
        if (cfg.Get("batch_sampler") is ConfigDict batchSampler)
            Component(Registries.DataSamplers, batchSampler, $"{path}.batch_sampler", given: ["sampler", "batch_size"]);
        if (cfg.Get("worker_init_fn") is ConfigDict workerInit) Resolve(Registries.Functions, workerInit, $"{path}.worker_init_fn");
    }

    private void TrainLoop(ConfigDict cfg)
    {
        var args = new ConfigDict(cfg);
        var byEpoch = args.Pop("by_epoch");
        if (args.ContainsKey("type") && byEpoch is not null)
            _problems.Add("train_cfg: give either 'type' or 'by_epoch', not both (as MMEngine).");
        if (byEpoch is not (null or bool))
            _problems.Add($"train_cfg.by_epoch = {ConfigFormatter.Format(byEpoch)} must be True or False.");
        args.SetDefault("type", byEpoch is false ? "IterBasedTrainLoop" : "EpochBasedTrainLoop");
        Component(Registries.Loops, args, "train_cfg", given: ["runner", "dataloader"]);
    }

    private void Evaluator(object? value, string path)
    {
        if (value is ConfigDict { Type: "Evaluator" } evaluator) Component(Registries.Evaluator, evaluator, path);
        else if (value is ConfigDict single) Component(Registries.Metrics, single, path);
        else if (value is List<object?> list)
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is ConfigDict metric) Component(Registries.Metrics, metric, list.Count == 1 ? path : $"{path}[{i}]");
                else _problems.Add($"{path}[{i}] must be a metric dict.");
            }
        else _problems.Add($"{path} must be a metric dict or a list of them, e.g. dict(type='metrics.Accuracy').");
    }

    private void OptimWrapper(ConfigDict cfg)
    {
        var args = new ConfigDict(cfg);
        if (args.Pop("optimizer") is ConfigDict optimizer) Component(Registries.Optimizers, optimizer, "optim_wrapper.optimizer", given: ["params"]);
        else _problems.Add("optim_wrapper.optimizer must be a dict like dict(type='SGD', lr=0.01, momentum=0.9).");
        foreach (var key in new[] { "constructor", "paramwise_cfg" }) args.Remove(key);
        Component(Registries.OptimWrappers, WithDefaultType(args, "OptimWrapper"), "optim_wrapper", given: ["optimizer"]);
    }

    private void Hooks(object? defaultHooks, object? customHooks)
    {
        if (defaultHooks is ConfigDict hooks)
            foreach (var (name, value) in hooks)
            {
                if (value is null) continue;
                if (value is ConfigDict hook) Hook(hook, $"default_hooks.{name}");
                else _problems.Add($"default_hooks.{name} must be a hook dict or None.");
            }
        else if (defaultHooks is not null) _problems.Add("default_hooks must be a dict of hook dicts.");
        if (customHooks is List<object?> list)
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is ConfigDict hook) Hook(hook, $"custom_hooks[{i}]");
                else _problems.Add($"custom_hooks[{i}] must be a hook dict.");
            }
        else if (customHooks is not null) _problems.Add("custom_hooks must be a list of hook dicts.");
    }

    private void Hook(ConfigDict cfg, string path)
    {
        var args = new ConfigDict(cfg);
        args.Remove("priority");
        Component(Registries.Hooks, args, path);
    }

    private void DictOrList(string registry, object value, string path)
    {
        if (value is ConfigDict single) Component(registry, single, path);
        else if (value is List<object?> list)
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is ConfigDict d) Component(registry, d, $"{path}[{i}]");
                else _problems.Add($"{path}[{i}] must be a dict with a 'type'.");
            }
        else _problems.Add($"{path} must be a dict or a list of dicts.");
    }

    /// <summary>Resolves <paramref name="cfg"/>'s type as a build would (with its <c>_scope_</c>), reporting a miss.</summary>
    private Registration? Resolve(string registry, ConfigDict cfg, string path)
    {
        var node = DefaultScope.Name is { } scope ? tree[registry].SearchChild(scope) ?? tree[registry] : tree[registry];
        switch (cfg.Get("type"))
        {
            case null:
                _problems.Add($"{path}: the dict must contain the key \"type\" naming a component of the {node.Scope}::{registry} registry.");
                return null;
            case string typeName:
                if (node.Get(typeName) is { } found) return found;
                _problems.Add(ComponentBuilder.NotRegistered(typeName, node, path).Message);
                return null;
            case var other:
                _problems.Add($"{path}.type must be a string naming a registered component, not {ConfigFormatter.Format(other)}.");
                return null;
        }
    }

    /// <summary>Checks one component dict: its type, then its keys against the constructor (nested dicts recursively).</summary>
    private void Component(string registry, ConfigDict cfg, string path, string[]? given = null)
    {
        var scopeValue = cfg.Get("_scope_");
        if (scopeValue is not (null or string))
        {
            _problems.Add($"{path}._scope_ must be a scope name string, not {ConfigFormatter.Format(scopeValue)}; scopes: {string.Join(", ", tree.Scopes)}.");
            return;
        }
        if (scopeValue is string s && !tree.Scopes.Contains(s))
            _problems.Add($"{path}._scope_ = '{s}' is not a loaded scope; scopes: {string.Join(", ", tree.Scopes)}.");
        using var _ = DefaultScope.Overwrite(scopeValue as string);
        var registration = Resolve(registry, cfg, path);
        var args = new ConfigDict(cfg);
        args.Remove("type");
        args.Remove("_scope_");
        string label = $"{path} ({cfg.Type})";
        if (registration is { Method: { } function })
        {
            // A function may be taken as a partial (collate_fn), so parameters the config leaves out are not missing.
            _problems.AddRange(CheckConstructor(function, args, label, path, given ?? [], missingAllowed: true));
            return;
        }
        if (registration is not { Type: { } type }) return; // a factory reads its own keys

        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .OrderByDescending(c => c.GetParameters().Count(p => args.ContainsKey(ParameterBinder.SnakeCase(p.Name!))))
            .ThenByDescending(c => c.GetParameters().Length)
            .ToList();
        if (constructors.Count == 0)
        {
            _problems.Add($"{label}: {type.Name} has no public constructor to build it with.");
            return;
        }
        List<string>? first = null;
        foreach (var ctor in constructors)
        {
            var found = CheckConstructor(ctor, args, label, path, given ?? []);
            if (found.Count == 0) return;
            first ??= found;
        }
        _problems.AddRange(first!);
    }

    private List<string> CheckConstructor(MethodBase ctor, ConfigDict args, string label, string path, string[] given, bool missingAllowed = false)
    {
        var problems = new List<string>();
        var parameters = ctor.GetParameters();
        string typeName = ctor is ConstructorInfo ? ctor.DeclaringType!.Name : ctor.Name;
        var valid = parameters.Select(p => ParameterBinder.SnakeCase(p.Name!)).ToList();
        foreach (var unknown in args.Keys.Where(k => !valid.Contains(k, StringComparer.Ordinal)))
            problems.Add($"{path}.{unknown}: {typeName} does not take '{unknown}'{Hint(unknown, valid)}. Keys {typeName} takes: {ParameterBinder.DescribeKeys(parameters)}.");
        foreach (var p in parameters)
        {
            string key = ParameterBinder.SnakeCase(p.Name!);
            if (args.TryGetValue(key, out var value))
                CheckValue(value, p.ParameterType, $"{path}.{key}", problems);
            else if (!missingAllowed && !given.Contains(key) && !p.HasDefaultValue && !FromServices(p.ParameterType))
                problems.Add($"{label}: {typeName} needs '{key}' ({ParameterBinder.FriendlyName(p.ParameterType)}), which the config does not give. " +
                             $"Keys {typeName} takes: {ParameterBinder.DescribeKeys(parameters)}.");
        }
        return problems;
    }

    private bool FromServices(Type type) =>
        !ParameterBinder.IsConfigValueType(type)
        && (type == typeof(IServiceProvider) || type == typeof(IComponentBuilder) || ComponentBuilder.RunnerProvidedTypes.Contains(type)
            || _isService?.IsService(type) == true);

    /// <summary>Checks a value against a parameter type without building: dicts of registered kinds recurse, scalars convert.</summary>
    private void CheckValue(object? value, Type target, string path, List<string> problems)
    {
        var t = Nullable.GetUnderlyingType(target) ?? target;
        switch (value)
        {
            case ConfigDict when t == typeof(object) || t.IsAssignableFrom(typeof(ConfigDict)):
                return;
            case ConfigDict dict when ValueConverter.RegistryFor(t) is { } registry:
                int before = _problems.Count;
                Component(registry, dict, path);
                problems.AddRange(_problems.Skip(before));
                _problems.RemoveRange(before, _problems.Count - before);
                return;
            case IList modules when t != typeof(object) && t.IsAssignableFrom(typeof(TorchSharp.Modules.Sequential)):
                for (int i = 0; i < modules.Count; i++)
                    CheckValue(modules[i], typeof(TorchSharp.torch.nn.Module), $"{path}[{i}]", problems);
                return;
            case IList list when value is not string && (ValueConverter.ElementTypeOf(t) is not null || ValueConverter.TupleElementTypes(t) is not null):
                var elements = ValueConverter.TupleElementTypes(t);
                if (elements is not null && elements.Length != list.Count)
                {
                    problems.Add($"{path} = {ConfigFormatter.Format(value)} has {list.Count} items, but a {ParameterBinder.FriendlyName(t)} takes {elements.Length}.");
                    return;
                }
                for (int i = 0; i < list.Count; i++)
                    CheckValue(list[i], elements?[i] ?? ValueConverter.ElementTypeOf(t)!, $"{path}[{i}]", problems);
                return;
        }
        try
        {
            // Nothing here can build: dicts of registered kinds and lists were handled above, so a builder is never needed.
            ValueConverter.Convert(value, target, builder: null, path);
        }
        catch (KilnException e)
        {
            problems.Add(e.Message);
        }
    }

    private static string Hint(string key, IReadOnlyList<string> valid) =>
        NameSuggester.Closest(key, valid, 1) is [var c] ? $" (did you mean '{c}'?)" : "";

    private static ConfigDict WithDefaultType(ConfigDict cfg, string type)
    {
        var copy = new ConfigDict(cfg);
        copy.SetDefault("type", type);
        return copy;
    }
}
