namespace Kiln.Datasets;

/// <summary>
/// One step of a data pipeline (MMCV's <c>BaseTransform</c>): takes the results dict of a sample (its data info,
/// then the image, labels, …) and returns it changed, or null to drop the sample (the dataset then refetches
/// another, as MMEngine's <c>BaseDataset.__getitem__</c>). Transforms are shared by every data-loading worker
/// thread, so they keep no per-call state; random ones draw from <see cref="Randomness.KilnRandom.Current"/>,
/// which the DataLoader seeds per sample.
/// </summary>
public interface ITransform
{
    Dictionary<string, object?>? Transform(Dictionary<string, object?> results);
}

/// <summary>A delegate as a transform (MMEngine accepts plain callables in a pipeline).</summary>
public sealed class FuncTransform(Func<Dictionary<string, object?>, Dictionary<string, object?>?> func, string? name = null) : ITransform
{
    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results) => func(results);

    public override string ToString() => name ?? func.Method.Name;
}
