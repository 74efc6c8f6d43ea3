using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>OptimWrapper</c> as a model's <c>TrainStep</c> sees it: one call,
/// <see cref="UpdateParams"/>, does loss scaling, backward, gradient accumulation, clipping, step and zero-grad.
/// </summary>
public interface IOptimWrapper
{
    /// <summary>Scale, backward, and (when the accumulation window is full) step and zero the gradients.</summary>
    void UpdateParams(Tensor loss);

    /// <summary>Back-propagates <paramref name="loss"/>.</summary>
    void Backward(Tensor loss);

    /// <summary>Clips gradients if configured, then steps the optimizer.</summary>
    void Step();

    void ZeroGrad();

    /// <summary>
    /// MMEngine's <c>optim_context(model)</c>: a training step's forward pass runs inside it (mixed-precision
    /// wrappers switch autocast on here). Dispose it to leave the context.
    /// </summary>
    IDisposable OptimContext(nn.Module model);

    /// <summary>Learning rates by name: <c>lr</c> (one per param group), plus <c>base_lr</c> when groups differ.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<double>> GetLr();

    /// <summary>Momentum by name (<c>momentum</c>; Adam's <c>betas[0]</c>).</summary>
    IReadOnlyDictionary<string, IReadOnlyList<double>> GetMomentum();
}
