namespace Kiln.Datasets;

/// <summary>Yields dataset indices (PyTorch's <c>Sampler</c>); <see cref="SetEpoch"/> reseeds shuffling per epoch.</summary>
public interface ISampler : IEnumerable<int>
{
    /// <summary>How many indices one pass yields.</summary>
    int Count { get; }

    /// <summary>Called by <c>DistSamplerSeedHook</c> before each training epoch.</summary>
    void SetEpoch(int epoch);

    /// <summary>
    /// The epoch last given to <see cref="SetEpoch"/>. The DataLoader mixes it into each sample's random seed so
    /// augmentations differ between epochs; a sampler that does not track it reports 0.
    /// </summary>
    int Epoch => 0;
}

/// <summary>
/// Yields batches of indices (PyTorch's <c>BatchSampler</c>; MMEngine's <c>batch_sampler</c> key, DATA-06), built
/// from DATA_SAMPLERS with the dataloader's <c>sampler</c> and <c>batch_size</c>.
/// </summary>
public interface IBatchSampler : IEnumerable<int[]>
{
    /// <summary>The index sampler batched.</summary>
    ISampler Sampler { get; }

    /// <summary>Batches per pass (<c>len(batch_sampler)</c>).</summary>
    int Count { get; }

    /// <summary>The nominal batch size (the runner's <c>auto_scale_lr</c> reads it).</summary>
    int BatchSize { get; }
}
