using System.Collections;
using Kiln.Datasets;
using Kiln.Structures;

namespace Kiln.Data;

/// <summary>
/// Batches a dataset in sampler order (PyTorch's <c>DataLoader</c>). Samples are loaded on the calling thread,
/// inside the caller's dispose scope, so the tensors they make are freed with the iteration.
/// Worker threads and prefetching are not built yet (issue 8); <see cref="NumWorkers"/> is kept for the config.
/// </summary>
public sealed class DataLoader : IEnumerable<DataBatch>
{
    private readonly Func<IReadOnlyList<Sample>, DataBatch> _collate;

    public DataLoader(IDataset dataset, ISampler sampler, int batchSize = 1, bool dropLast = false, int numWorkers = 0,
        Func<IReadOnlyList<Sample>, DataBatch>? collate = null)
    {
        if (batchSize <= 0) throw new KilnException($"batch_size must be a positive integer, got {batchSize}.");
        if (numWorkers < 0) throw new KilnException($"num_workers must be 0 or more, got {numWorkers}.");
        Dataset = dataset;
        Sampler = sampler;
        BatchSize = batchSize;
        DropLast = dropLast;
        NumWorkers = numWorkers;
        _collate = collate ?? Collate.PseudoCollate;
    }

    public IDataset Dataset { get; }

    public ISampler Sampler { get; }

    public int BatchSize { get; }

    public bool DropLast { get; }

    public int NumWorkers { get; }

    /// <summary>Batches per pass (<c>len(dataloader)</c>).</summary>
    public int Count => DropLast ? Sampler.Count / BatchSize : (Sampler.Count + BatchSize - 1) / BatchSize;

    public IEnumerator<DataBatch> GetEnumerator() => Enumerate(0).GetEnumerator();

    /// <summary>
    /// One pass, skipping the first <paramref name="skipBatches"/> batches by sampler index without loading them
    /// (how an iteration-based run resumes mid-epoch).
    /// </summary>
    public IEnumerable<DataBatch> Enumerate(int skipBatches)
    {
        var samples = new List<Sample>(BatchSize);
        foreach (int index in Sampler.Skip(skipBatches * BatchSize))
        {
            samples.Add(LoadSample(index));
            if (samples.Count == BatchSize)
            {
                yield return _collate(samples);
                samples = new List<Sample>(BatchSize);
            }
        }
        if (samples.Count > 0 && !DropLast) yield return _collate(samples);
    }

    private Sample LoadSample(int index)
    {
        try
        {
            return Dataset.Get(index);
        }
        catch (Exception e) when (e is not KilnException)
        {
            throw new KilnException($"{Dataset.GetType().Name}: loading sample {index} failed: {e.Message}", e);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
