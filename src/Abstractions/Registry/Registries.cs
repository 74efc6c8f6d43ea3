namespace Kiln.Registry;

/// <summary>
/// The names of MMEngine's 23 root registries (<c>mmengine/registry/root.py</c>), used as registry keys in
/// <see cref="RegisterAttribute"/> and <see cref="IComponentBuilder"/>. The strings are MMEngine's display names,
/// so error messages read as MMEngine's do ("... is not in the vision::model registry").
/// </summary>
public static class Registries
{
    public const string Runners = "runner";
    public const string RunnerConstructors = "runner constructor";
    public const string Loops = "loop";
    public const string Hooks = "hook";
    public const string Strategies = "strategy";
    public const string Datasets = "dataset";
    public const string DataSamplers = "data sampler";
    public const string Transforms = "transform";
    public const string Models = "model";
    public const string ModelWrappers = "model_wrapper";
    public const string WeightInitializers = "weight initializer";
    public const string Optimizers = "optimizer";
    public const string OptimWrappers = "optim_wrapper";
    public const string OptimWrapperConstructors = "optimizer wrapper constructor";
    public const string ParamSchedulers = "parameter scheduler";
    public const string Metrics = "metric";
    public const string Evaluator = "evaluator";
    public const string TaskUtils = "task util";
    public const string Visualizers = "visualizer";
    public const string VisBackends = "vis_backend";
    public const string LogProcessors = "log_processor";
    public const string Inferencers = "inferencer";
    public const string Functions = "function";

    /// <summary>All root registries, in root.py's order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Runners, RunnerConstructors, Loops, Hooks, Strategies, Datasets, DataSamplers, Transforms, Models,
        ModelWrappers, WeightInitializers, Optimizers, OptimWrappers, OptimWrapperConstructors, ParamSchedulers,
        Metrics, Evaluator, TaskUtils, Visualizers, VisBackends, LogProcessors, Inferencers, Functions,
    ];
}
