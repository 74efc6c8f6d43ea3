namespace Kiln.Optim.Schedulers;

// MMEngine's LRSchedulerMixin and MomentumSchedulerMixin classes (lr_scheduler.py, momentum_scheduler.py): the
// generic schedulers with param_name fixed to 'lr' or 'momentum' (betas[0] for the Adam family), for C# code that
// builds schedulers as objects (SCHED-01), e.g. new MultiStepLR(optimWrapper, milestones: [8, 11], gamma: 0.1).
// Configs reach the same classes through PARAM_SCHEDULERS (SchedulerFactories).

/// <summary>MMEngine's <c>ConstantLR</c>: <see cref="ConstantParamScheduler"/> on the learning rate.</summary>
public sealed class ConstantLR(object optimizer, double factor = 1.0 / 3, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ConstantParamScheduler(optimizer, "lr", factor, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>ConstantMomentum</c>: <see cref="ConstantParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class ConstantMomentum(object optimizer, double factor = 1.0 / 3, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ConstantParamScheduler(optimizer, MomentumName.Of(optimizer), factor, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>LinearLR</c>: <see cref="LinearParamScheduler"/> on the learning rate.</summary>
public sealed class LinearLR(object optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : LinearParamScheduler(optimizer, "lr", startFactor, endFactor, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>LinearMomentum</c>: <see cref="LinearParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class LinearMomentum(object optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : LinearParamScheduler(optimizer, MomentumName.Of(optimizer), startFactor, endFactor, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>StepLR</c>: <see cref="StepParamScheduler"/> on the learning rate.</summary>
public sealed class StepLR(object optimizer, int stepSize, double gamma = 0.1, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : StepParamScheduler(optimizer, "lr", stepSize, gamma, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>StepMomentum</c>: <see cref="StepParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class StepMomentum(object optimizer, int stepSize, double gamma = 0.1, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : StepParamScheduler(optimizer, MomentumName.Of(optimizer), stepSize, gamma, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>MultiStepLR</c>: <see cref="MultiStepParamScheduler"/> on the learning rate.</summary>
public sealed class MultiStepLR(object optimizer, IReadOnlyList<int> milestones, double gamma = 0.1, int lastStep = -1, int begin = 0, int end = ParamScheduler.Inf, bool byEpoch = true, bool verbose = false)
    : MultiStepParamScheduler(optimizer, "lr", milestones, gamma, lastStep, begin, end, byEpoch, verbose);

/// <summary>MMEngine's <c>MultiStepMomentum</c>: <see cref="MultiStepParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class MultiStepMomentum(object optimizer, IReadOnlyList<int> milestones, double gamma = 0.1, int lastStep = -1, int begin = 0, int end = ParamScheduler.Inf, bool byEpoch = true, bool verbose = false)
    : MultiStepParamScheduler(optimizer, MomentumName.Of(optimizer), milestones, gamma, lastStep, begin, end, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>ExponentialLR</c>: <see cref="ExponentialParamScheduler"/> on the learning rate.</summary>
public sealed class ExponentialLR(object optimizer, double gamma, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ExponentialParamScheduler(optimizer, "lr", gamma, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>ExponentialMomentum</c>: <see cref="ExponentialParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class ExponentialMomentum(object optimizer, double gamma, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ExponentialParamScheduler(optimizer, MomentumName.Of(optimizer), gamma, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>CosineAnnealingLR</c>: <see cref="CosineAnnealingParamScheduler"/> on the learning rate.</summary>
public sealed class CosineAnnealingLR(object optimizer, int? tMax = null, double? etaMin = null, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false, double? etaMinRatio = null)
    : CosineAnnealingParamScheduler(optimizer, "lr", tMax, etaMin, begin, end, lastStep, byEpoch, verbose, etaMinRatio);

/// <summary>MMEngine's <c>CosineAnnealingMomentum</c>: <see cref="CosineAnnealingParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class CosineAnnealingMomentum(object optimizer, int? tMax = null, double? etaMin = null, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false, double? etaMinRatio = null)
    : CosineAnnealingParamScheduler(optimizer, MomentumName.Of(optimizer), tMax, etaMin, begin, end, lastStep, byEpoch, verbose, etaMinRatio)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>PolyLR</c>: <see cref="PolyParamScheduler"/> on the learning rate.</summary>
public sealed class PolyLR(object optimizer, double etaMin = 0, double power = 1.0, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : PolyParamScheduler(optimizer, "lr", etaMin, power, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>PolyMomentum</c>: <see cref="PolyParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class PolyMomentum(object optimizer, double etaMin = 0, double power = 1.0, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : PolyParamScheduler(optimizer, MomentumName.Of(optimizer), etaMin, power, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>OneCycleLR</c>: <see cref="OneCycleParamScheduler"/> on the learning rate.</summary>
public sealed class OneCycleLR(object optimizer, IReadOnlyList<double> etaMax, int? totalSteps = null, double pctStart = 0.3, string annealStrategy = "cos", double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : OneCycleParamScheduler(optimizer, "lr", etaMax, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>CosineRestartLR</c>: <see cref="CosineRestartParamScheduler"/> on the learning rate.</summary>
public sealed class CosineRestartLR(object optimizer, IReadOnlyList<int> periods, IReadOnlyList<double>? restartWeights = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : CosineRestartParamScheduler(optimizer, "lr", periods, restartWeights, etaMin, etaMinRatio, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>CosineRestartMomentum</c>: <see cref="CosineRestartParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class CosineRestartMomentum(object optimizer, IReadOnlyList<int> periods, IReadOnlyList<double>? restartWeights = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : CosineRestartParamScheduler(optimizer, MomentumName.Of(optimizer), periods, restartWeights, etaMin, etaMinRatio, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>ReduceOnPlateauLR</c>: <see cref="ReduceOnPlateauParamScheduler"/> on the learning rate.</summary>
public sealed class ReduceOnPlateauLR(object optimizer, string monitor = "loss", string rule = "less", double factor = 0.1, int patience = 10, double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, IReadOnlyList<double>? minValue = null, double eps = 1e-8, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ReduceOnPlateauParamScheduler(optimizer, "lr", monitor, rule, factor, patience, threshold, thresholdRule, cooldown, minValue, eps, begin, end, lastStep, byEpoch, verbose);

/// <summary>MMEngine's <c>ReduceOnPlateauMomentum</c>: <see cref="ReduceOnPlateauParamScheduler"/> on the momentum (<c>betas[0]</c> for the Adam family).</summary>
public sealed class ReduceOnPlateauMomentum(object optimizer, string monitor = "loss", string rule = "less", double factor = 0.1, int patience = 10, double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, IReadOnlyList<double>? minValue = null, double eps = 1e-8, int begin = 0, int end = ParamScheduler.Inf, int lastStep = -1, bool byEpoch = true, bool verbose = false)
    : ReduceOnPlateauParamScheduler(optimizer, MomentumName.Of(optimizer), monitor, rule, factor, patience, threshold, thresholdRule, cooldown, minValue, eps, begin, end, lastStep, byEpoch, verbose)
{
    protected override bool IsMomentumScheduler => true;
}

/// <summary>MMEngine's <c>MomentumSchedulerMixin</c> check: the optimizer has a momentum, or <c>betas</c>.</summary>
internal static class MomentumName
{
    public static string Of(object optimizer)
    {
        var first = ParamGroupValues.Of(optimizer).FirstOrDefault();
        if (first is null || !first.HasMomentum)
        {
            string name = optimizer is OptimWrapper w ? w.Optimizer.GetType().Name : optimizer.GetType().Name;
            throw new KilnException($"optimizer must support momentum when using momentum scheduler (SGD's momentum, or betas[0] of the Adam family); {name} has neither.");
        }
        return "momentum";
    }
}
