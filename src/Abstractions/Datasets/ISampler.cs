namespace Kiln.Datasets;

/// <summary>Yields dataset indices (PyTorch's <c>Sampler</c>); <see cref="SetEpoch"/> reseeds shuffling per epoch.</summary>
public interface ISampler : IEnumerable<int>
{
    /// <summary>How many indices one pass yields.</summary>
    int Count { get; }

    /// <summary>Called by <c>DistSamplerSeedHook</c> before each training epoch.</summary>
    void SetEpoch(int epoch);
}
