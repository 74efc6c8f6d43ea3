using Kiln.Config;
using Kiln.Evaluation;
using Kiln.Loops;
using Kiln.Optim;
using Kiln.Registry;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln;

public partial class Runner
{
    /// <summary>
    /// Trains (runner.py: train). Order: build the train loop (and its dataloader) → the optimizer wrapper →
    /// <c>auto_scale_lr</c> → the parameter schedulers → the val loop → BeforeRun → load or resume → InitializeCountStatus → train loop → AfterRun.
    /// Returns the trained model.
    /// </summary>
    /// <summary>MMEngine's <c>_init_model_weights</c>: the model's <c>init_cfg</c>s, before any checkpoint is loaded over them.</summary>
    private void InitModelWeights()
    {
        if (Model.IsInit) return;
        using var logger = Models.BaseModule.UseInitLogger(Logger);
        Model.InitWeights();
    }

    public virtual Models.BaseModel Train()
    {
        var trainCfg = Cfg.Get("train_cfg") as ConfigDict
            ?? throw new KilnException("cannot train: the config has no train_cfg (with train_dataloader and optim_wrapper).");
        _trainLoop ??= BuildTrainLoop(trainCfg);
        if (_optimWrapper is null)
        {
            _optimWrapper = BuildConfiguredOptimWrapper(Cfg.Get("optim_wrapper"));
            _optimWrapper.MessageHub ??= MessageHub;
            ScaleLr(_optimWrapper, Cfg.Get("auto_scale_lr"), _trainLoop.Dataloader.BatchSize);
        }
        _paramSchedulers ??= BuildParamSchedulers(Cfg.Get("param_scheduler"), _optimWrapper, _trainLoop.Dataloader.Count, _trainLoop.MaxEpochs, _trainLoop.MaxIters);
        if (_valLoop is null && Cfg.Get("val_cfg") is ConfigDict valCfg)
            _valLoop = BuildEvalLoop(valCfg, "val");

        HookList.Call(h => h.BeforeRun(this));
        InitModelWeights();
        LoadOrResume();
        _optimWrapper.InitializeCountStatus(_trainLoop.Iter, _trainLoop.MaxIters);
        if (_stopRequested) _trainLoop.StopTraining = true;
        _trainLoop.Run();
        HookList.Call(h => h.AfterRun(this));
        return Model;
    }

    /// <summary>Runs the validation loop once (runner.py: val): BeforeRun → load → val loop → AfterRun.</summary>
    public virtual IReadOnlyDictionary<string, double> Val()
    {
        var valCfg = Cfg.Get("val_cfg") as ConfigDict
            ?? throw new KilnException("cannot validate: the config has no val_cfg (with val_dataloader and val_evaluator).");
        _valLoop ??= BuildEvalLoop(valCfg, "val");
        HookList.Call(h => h.BeforeRun(this));
        LoadOrResume();
        var metrics = _valLoop.Run();
        HookList.Call(h => h.AfterRun(this));
        return metrics;
    }

    /// <summary>Runs the test loop once (runner.py: test): BeforeRun → load → test loop → AfterRun.</summary>
    public virtual IReadOnlyDictionary<string, double> Test()
    {
        var testCfg = Cfg.Get("test_cfg") as ConfigDict
            ?? throw new KilnException("cannot test: the config has no test_cfg (with test_dataloader and test_evaluator).");
        _testLoop ??= BuildEvalLoop(testCfg, "test");
        HookList.Call(h => h.BeforeRun(this));
        LoadOrResume();
        var metrics = _testLoop.Run();
        HookList.Call(h => h.AfterRun(this));
        return metrics;
    }

    /// <summary>
    /// MMEngine's <c>build_train_loop</c>: <c>type</c> builds that loop from the LOOPS registry (a plugin's custom
    /// <see cref="TrainLoop"/>); otherwise <c>by_epoch</c> (default True) picks <see cref="EpochBasedTrainLoop"/> or
    /// <see cref="IterBasedTrainLoop"/>. Giving both is an error, as in MMEngine. The loop gets <c>runner</c> and the
    /// built <c>dataloader</c>.
    /// </summary>
    private TrainLoop BuildTrainLoop(ConfigDict cfg)
    {
        var args = new ConfigDict(cfg);
        var byEpoch = args.Pop("by_epoch");
        if (args.ContainsKey("type") && byEpoch is not null)
            throw new KilnException("train_cfg: give either 'type' or 'by_epoch', not both (as MMEngine).");
        if (byEpoch is not (null or bool))
            throw new KilnException($"train_cfg.by_epoch = {ConfigFormatter.Format(byEpoch)} must be True or False.");
        args.SetDefault("type", byEpoch is false ? nameof(IterBasedTrainLoop) : nameof(EpochBasedTrainLoop));
        var dataloader = BuildDataloader(Cfg.Get("train_dataloader"), "train_dataloader");
        return Build<TrainLoop>(Registries.Loops, args, "train_cfg",
            new Dictionary<string, object?> { ["runner"] = this, ["dataloader"] = dataloader });
    }

    /// <summary>
    /// MMEngine's <c>build_val_loop</c>/<c>build_test_loop</c>: <c>type</c> (default <c>ValLoop</c>/<c>TestLoop</c>)
    /// from the LOOPS registry, given <c>runner</c>, the built <c>dataloader</c> and <c>evaluator</c>.
    /// </summary>
    private ValLoop BuildEvalLoop(ConfigDict cfg, string mode)
    {
        var args = new ConfigDict(cfg);
        if (args.Pop("fp16") is true)
            throw new KilnException($"{mode}_cfg.fp16=True: mixed-precision evaluation is not built yet (issue 6); remove it.");
        args.SetDefault("type", mode == "val" ? nameof(ValLoop) : nameof(TestLoop));
        var dataloader = BuildDataloader(Cfg.Get($"{mode}_dataloader"), $"{mode}_dataloader");
        var evaluator = BuildEvaluator(Cfg[$"{mode}_evaluator"], $"{mode}_evaluator");
        return Build<ValLoop>(Registries.Loops, args, $"{mode}_cfg",
            new Dictionary<string, object?> { ["runner"] = this, ["dataloader"] = dataloader, ["evaluator"] = evaluator });
    }

    /// <summary>MMEngine's <c>build_evaluator</c> (<see cref="Evaluator.FromConfig"/>) in the Runner's scope, with its message hub.</summary>
    private Evaluator BuildEvaluator(object? cfg, string keyPath)
    {
        using var hub = ComponentBuilder.Provide<Logging.IMessageHub>(MessageHub);
        return Evaluator.FromConfig(cfg, (IComponentBuilder)_builder, keyPath, _defaultScope);
    }

    /// <summary>
    /// MMEngine's <c>Runner.build_optim_wrapper</c>: a dict with <c>type</c>, <c>optimizer</c> or <c>constructor</c> goes to
    /// the constructor named by <c>constructor</c> (default <c>DefaultOptimWrapperConstructor</c>, with
    /// <c>paramwise_cfg</c>); otherwise every value must be a ready optimizer wrapper, and they form an
    /// <see cref="OptimWrapperDict"/>.
    /// </summary>
    private IManagedOptimWrapper BuildOptimWrapper(ConfigDict cfg)
    {
        if (!cfg.ContainsKey("type") && !cfg.ContainsKey("optimizer") && !cfg.ContainsKey("constructor"))
        {
            var wrappers = new List<KeyValuePair<string, OptimWrapper>>();
            foreach (var (name, value) in cfg)
                wrappers.Add(new(name, value as OptimWrapper ?? throw new KilnException(
                    $"optim_wrapper.{name}: each item must be an optimizer wrapper object when \"type\" and \"constructor\" are not in optim_wrapper; "
                    + "for a dict of optimizer configs set constructor='MultiOptimWrapperConstructor', or give optimizer=dict(...) for one optimizer.")));
            return new OptimWrapperDict(wrappers);
        }

        var args = new ConfigDict(cfg);
        var constructorType = args.Pop("constructor") ?? nameof(DefaultOptimWrapperConstructor);
        var paramwise = args.Pop("paramwise_cfg");
        var constructorCfg = new ConfigDict { ["type"] = constructorType, ["optim_wrapper_cfg"] = args, ["paramwise_cfg"] = paramwise };
        var constructor = Build<DefaultOptimWrapperConstructor>(Registries.OptimWrapperConstructors, constructorCfg, "optim_wrapper.constructor");
        using var scope = DefaultScope.Overwrite(_defaultScope);
        return constructor.Build(Model);
    }

    /// <summary>
    /// MMEngine's <c>register_hooks</c>: the default hooks (a config value of None removes one; a dict overrides
    /// it), then <c>custom_hooks</c>; each dict's <c>priority</c> overrides the hook's own.
    /// </summary>
    private void RegisterHooks(ConfigDict? defaultHooks, object? customHooks)
    {
        var hooks = new ConfigDict
        {
            ["runtime_info"] = new ConfigDict { ["type"] = "RuntimeInfoHook" },
            ["timer"] = new ConfigDict { ["type"] = "IterTimerHook" },
            ["sampler_seed"] = new ConfigDict { ["type"] = "DistSamplerSeedHook" },
            ["logger"] = new ConfigDict { ["type"] = "LoggerHook" },
            ["param_scheduler"] = new ConfigDict { ["type"] = "ParamSchedulerHook" },
            ["checkpoint"] = new ConfigDict { ["type"] = "CheckpointHook", ["interval"] = 1L },
        };
        if (defaultHooks is not null)
            foreach (var (name, value) in defaultHooks) hooks[name] = value;
        foreach (var (name, value) in hooks)
        {
            if (value is null) continue;
            RegisterHook(value as ConfigDict ?? throw new KilnException($"default_hooks.{name} must be a hook dict or None."), $"default_hooks.{name}");
        }
        if (customHooks is null) return;
        var list = customHooks as List<object?> ?? throw new KilnException("custom_hooks must be a list of hook dicts.");
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is Hooks.Hook ready) HookList.Add(ready);
            else RegisterHook(list[i] as ConfigDict ?? throw new KilnException($"custom_hooks[{i}] must be a hook dict or a Hook."), $"custom_hooks[{i}]");
        }
        Logger.LogDebug("Hooks:\n{Hooks}", HooksInfo());
    }

    private void RegisterHook(ConfigDict cfg, string keyPath)
    {
        var args = new ConfigDict(cfg);
        int? priority = args.Pop("priority") is { } p ? Hooks.HookPriority.Parse(p) : null;
        HookList.Add(Build<Hooks.Hook>(Registries.Hooks, args, keyPath), priority);
    }

    /// <summary>MMEngine's <c>get_hooks_info</c>: per stage, the hooks that act there, as <c>(PRIORITY  ) Name</c>.</summary>
    public string HooksInfo()
    {
        var sb = new System.Text.StringBuilder();
        string[] stages = ["BeforeRun", "AfterLoadCheckpoint", "BeforeTrain", "BeforeTrainEpoch", "BeforeTrainIter", "AfterTrainIter",
            "AfterTrainEpoch", "BeforeVal", "BeforeValEpoch", "BeforeValIter", "AfterValIter", "AfterValEpoch", "AfterVal",
            "BeforeSaveCheckpoint", "AfterTrain", "BeforeTest", "BeforeTestEpoch", "BeforeTestIter", "AfterTestIter", "AfterTestEpoch", "AfterTest", "AfterRun"];
        foreach (var stage in stages)
        {
            var acting = HookList.Entries.Where(e => Overrides(e.Hook.GetType(), stage)).ToList();
            if (acting.Count == 0) continue;
            sb.Append(Snake(stage)).Append(":\n");
            foreach (var (hook, priority) in acting)
                sb.Append($"({Hooks.HookPriority.NameOf(priority),-12}) {hook.GetType().Name,-35}\n");
            sb.Append(" -------------------- \n");
        }
        return sb.ToString();
    }

    private static bool Overrides(Type type, string stage)
    {
        string mode = stage.Contains("Train") ? "train" : stage.Contains("Val") ? "val" : stage.Contains("Test") ? "test" : "";
        bool declared(string name) => type.GetMethods(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            .Any(m => m.Name == name && m.DeclaringType != typeof(Hooks.Hook));
        if (declared(stage)) return true;
        if (mode.Length == 0) return false;
        return (stage.EndsWith("Epoch", StringComparison.Ordinal) && declared(stage.StartsWith("Before", StringComparison.Ordinal) ? "BeforeEpoch" : "AfterEpoch"))
            || (stage.EndsWith("Iter", StringComparison.Ordinal) && declared(stage.StartsWith("Before", StringComparison.Ordinal) ? "BeforeIter" : "AfterIter"));
    }

    private static string Snake(string stage) => Kiln.Registry.ParameterBinder.SnakeCase(stage);
}
