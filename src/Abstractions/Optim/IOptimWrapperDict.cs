namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>OptimWrapperDict</c> as a model's <c>TrainStep</c> sees it (OPT-09): one optimizer wrapper per
/// name (a GAN's <c>generator</c> and <c>discriminator</c>), each updated separately; the dict itself has no update
/// of its own. The Runner passes one to <c>TrainStep</c> when <c>optim_wrapper</c> builds several.
/// </summary>
public interface IOptimWrapperDict : IOptimWrapper
{
    /// <summary>The wrapper called <paramref name="name"/>; an error listing the names when there is none.</summary>
    IOptimWrapper this[string name] { get; }

    /// <summary>The wrappers' names in the order they were given.</summary>
    IEnumerable<string> Names { get; }
}
