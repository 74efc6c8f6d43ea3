using Kiln.Config;

namespace Kiln;

public partial class Runner
{
    /// <summary>
    /// MMEngine's <c>Runner(...)</c> from ready objects, the shape of its 15-minute tutorial: every component
    /// argument is either a ready object (a <c>BaseModel</c>, a <c>DataLoader</c>, an <c>OptimWrapper</c>, a
    /// <c>BaseMetric</c> or <c>Evaluator</c>, a <c>Hook</c>, a <c>ParamScheduler</c> or a list of them) or its config dict,
    /// built lazily as from a config file.
    /// <code>
    /// using var runner = Runner.Create(host.Services, model: new LeNet5(), workDir: "./work_dir",
    ///     trainDataloader: loader, optimWrapper: Cfg(("optimizer", Cfg(("type", "SGD"), ("lr", 0.01)))),
    ///     trainCfg: Cfg(("by_epoch", true), ("max_epochs", 5L)));
    /// runner.Train();
    /// </code>
    /// A model passed ready is initialised before the Runner seeds libtorch: seed first
    /// (<c>torch.manual_seed</c>) when the run must repeat.
    /// </summary>
    public static Runner Create(IServiceProvider services, object model, string workDir,
        object? trainDataloader = null, ConfigDict? trainCfg = null, object? optimWrapper = null,
        object? valDataloader = null, ConfigDict? valCfg = null, object? valEvaluator = null,
        object? testDataloader = null, ConfigDict? testCfg = null, object? testEvaluator = null,
        ConfigDict? defaultHooks = null, IEnumerable<object>? customHooks = null, ConfigDict? logProcessor = null,
        ConfigDict? randomness = null, string? experimentName = null, string? defaultScope = null,
        string? loadFrom = null, bool resume = false, object? paramScheduler = null, ConfigDict? autoScaleLr = null,
        string? launcher = null, ConfigDict? envCfg = null, string? logLevel = null)
    {
        var cfg = new ConfigDict { ["model"] = model, ["work_dir"] = workDir };
        void Set(string key, object? value)
        {
            if (value is not null) cfg[key] = value;
        }
        Set("train_dataloader", trainDataloader);
        Set("train_cfg", trainCfg);
        Set("optim_wrapper", optimWrapper);
        Set("param_scheduler", paramScheduler);
        Set("auto_scale_lr", autoScaleLr);
        Set("val_dataloader", valDataloader);
        Set("val_cfg", valCfg);
        Set("val_evaluator", valEvaluator);
        Set("test_dataloader", testDataloader);
        Set("test_cfg", testCfg);
        Set("test_evaluator", testEvaluator);
        Set("default_hooks", defaultHooks);
        Set("custom_hooks", customHooks?.ToList<object?>());
        Set("log_processor", logProcessor);
        Set("randomness", randomness);
        Set("experiment_name", experimentName);
        Set("default_scope", defaultScope);
        Set("load_from", loadFrom);
        if (resume) cfg["resume"] = true;
        Set("launcher", launcher);
        Set("env_cfg", envCfg);
        Set("log_level", logLevel);
        return FromConfig(cfg, services);
    }
}
