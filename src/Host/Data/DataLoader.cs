using System.Collections;
using System.Collections.Concurrent;
using Kiln.Datasets;
using Kiln.Randomness;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Data;

/// <summary>
/// Batches a dataset in batch-sampler order (PyTorch's <c>DataLoader</c>, DATA-01/02/06/08/25).
/// <para>
/// <c>num_workers=0</c>: samples load on the calling thread, inside the caller's dispose scope.
/// <c>num_workers&gt;0</c>: worker threads load and collate whole batches; batch k goes to worker k mod N, at most
/// N × <c>prefetch_factor</c> batches are in flight, and batches come out in sampler order. A worker loads inside
/// its own dispose scope and detaches the batch's tensors; the consumer re-homes them into its current dispose scope
/// (the iteration's), so they are freed with the iteration exactly as with <c>num_workers=0</c>. Batches prefetched
/// but never consumed are disposed when the enumeration ends. <c>persistent_workers=True</c> keeps the threads
/// between passes until <see cref="Dispose"/>; otherwise each pass starts and joins its own.
/// </para>
/// <para>
/// Determinism: every sample gets its own <see cref="KilnRandom.Current"/> for the duration of its loading, seeded
/// from (seed, rank, sampler epoch, batch position, position in batch) and not from the worker that loads it, so the
/// same seed gives the same batches, augmentations included, for any <c>num_workers</c>. Each worker thread's own
/// generator is seeded as MMEngine's <c>worker_init_fn</c> (<c>num_workers × rank + worker_id + seed</c>).
/// Transforms must draw randomness from <see cref="KilnRandom.Current"/>; libtorch's global generator is shared
/// by all threads and is not per-sample.
/// </para>
/// </summary>
public sealed class DataLoader : IEnumerable<DataBatch>, IDisposable
{
    private readonly Func<IReadOnlyList<Sample>, DataBatch> _collate;
    private readonly Action<int>? _workerInitFn;
    private readonly object _poolLock = new();
    private WorkerPool? _persistentPool;

    public DataLoader(IDataset dataset, ISampler sampler, int batchSize = 1, bool dropLast = false, int numWorkers = 0,
        Func<IReadOnlyList<Sample>, DataBatch>? collate = null, int? prefetchFactor = null, bool persistentWorkers = false,
        bool pinMemory = false, IBatchSampler? batchSampler = null, int? seed = null, Action<int>? workerInitFn = null)
    {
        if (batchSize <= 0) throw new KilnException($"batch_size must be a positive integer, got {batchSize}.");
        if (numWorkers < 0) throw new KilnException($"num_workers must be 0 or more, got {numWorkers}.");
        if (prefetchFactor is not null && numWorkers == 0)
            throw new KilnException("prefetch_factor is only valid with num_workers > 0 (as PyTorch); remove it or set num_workers.");
        if (prefetchFactor is <= 0) throw new KilnException($"prefetch_factor must be a positive integer, got {prefetchFactor}.");
        if (persistentWorkers && numWorkers == 0)
            throw new KilnException("persistent_workers=True needs num_workers > 0 (as PyTorch).");
        if (batchSampler is not null && dropLast)
            throw new KilnException("batch_sampler is mutually exclusive with drop_last (as PyTorch); the batch sampler decides the batches.");
        Dataset = dataset;
        Sampler = batchSampler?.Sampler ?? sampler;
        BatchSampler = batchSampler ?? new BatchSampler(sampler, batchSize, dropLast);
        BatchSize = batchSampler?.BatchSize ?? batchSize;
        DropLast = dropLast;
        NumWorkers = numWorkers;
        PrefetchFactor = prefetchFactor ?? 2;
        PersistentWorkers = persistentWorkers;
        PinMemory = pinMemory;
        Seed = seed ?? KilnRandom.Seed;
        _workerInitFn = workerInitFn;
        _collate = collate ?? Collate.PseudoCollate;
        // pseudo_collate and default_collate only list or stack, so a dataset that reads whole batches gives the same batch.
        _readWholeBatches = dataset is IBatchDataset
            && _collate.Method.DeclaringType == typeof(Collate) && _collate.Method.Name is nameof(Collate.PseudoCollate) or nameof(Collate.DefaultCollate);
    }

    private readonly bool _readWholeBatches;

    public IDataset Dataset { get; }

    public ISampler Sampler { get; }

    public IBatchSampler BatchSampler { get; }

    public int BatchSize { get; }

    public bool DropLast { get; }

    public int NumWorkers { get; }

    /// <summary>Batches each worker may have loaded ahead (PyTorch's default 2).</summary>
    public int PrefetchFactor { get; }

    public bool PersistentWorkers { get; }

    /// <summary>Pins batch tensors in page-locked memory when CUDA is available (a no-op on CPU-only machines).</summary>
    public bool PinMemory { get; }

    /// <summary>The seed every sample's generator is derived from (the run's <c>randomness.seed</c> by default).</summary>
    public int Seed { get; }

    /// <summary>Batches per pass (<c>len(dataloader)</c>).</summary>
    public int Count => BatchSampler.Count;

    /// <summary>Whether the sampler never runs out (<see cref="InfiniteSampler"/>).</summary>
    public bool IsInfinite => Sampler is InfiniteSampler;

    public IEnumerator<DataBatch> GetEnumerator() => Enumerate(0).GetEnumerator();

    /// <summary>
    /// One pass starting at batch <paramref name="skipBatches"/>: the batch sampler's first batches are skipped by
    /// index without loading them (how an iteration-based run resumes mid-epoch), and the per-sample seeds count
    /// positions from the pass start, so batch k is the same whether or not the pass started at 0.
    /// </summary>
    public IEnumerable<DataBatch> Enumerate(int skipBatches)
    {
        if (skipBatches < 0) throw new ArgumentOutOfRangeException(nameof(skipBatches), "skipBatches must be 0 or more.");
        return NumWorkers == 0 ? EnumerateInline(skipBatches) : EnumerateWorkers(skipBatches);
    }

    private IEnumerable<DataBatch> EnumerateInline(int skipBatches)
    {
        int epoch = Sampler.Epoch;
        long ordinal = skipBatches;
        foreach (var indices in BatchSampler.Skip(skipBatches))
        {
            var batch = LoadBatch(indices, epoch, ordinal++, workerId: -1);
            if (PinMemory) batch = TensorTree.Map(batch, Pin);
            yield return batch;
        }
    }

    private IEnumerable<DataBatch> EnumerateWorkers(int skipBatches)
    {
        int epoch = Sampler.Epoch;
        int n = NumWorkers;
        int maxInFlight = n * PrefetchFactor;
        var pool = PersistentWorkers ? PersistentPool() : new WorkerPool(this);
        var outputs = new BlockingCollection<Result>[n];
        for (int w = 0; w < n; w++) outputs[w] = new BlockingCollection<Result>();
        var cancel = new CancellationTokenSource();
        using var batches = BatchSampler.Skip(skipBatches).GetEnumerator();
        long dispatched = 0, consumed = 0;
        bool exhausted = false;

        void TopUp()
        {
            while (!exhausted && dispatched - consumed < maxInFlight)
            {
                if (!batches.MoveNext()) { exhausted = true; break; }
                int w = (int)(dispatched % n);
                pool.Post(w, new Job(batches.Current, epoch, skipBatches + dispatched, outputs[w], cancel.Token));
                dispatched++;
            }
        }

        try
        {
            TopUp();
            while (consumed < dispatched)
            {
                var result = outputs[consumed % n].Take();
                consumed++;
                if (result.Error is { } error)
                    throw new KilnException(
                        $"{Dataset.GetType().Name}: loading sample {result.SampleIndex} (batch {result.BatchOrdinal}) failed in data worker {result.WorkerId}: {error.Message}", error);
                TopUp();   // keep the workers busy while the caller trains on this batch
                yield return TensorTree.Rehome(result.Batch!);
            }
        }
        finally
        {
            cancel.Cancel();
            // Batches loaded ahead but never consumed: wait for them and free their tensors.
            while (consumed < dispatched)
            {
                var result = outputs[consumed % n].Take();
                consumed++;
                if (result.Batch is { } leftover) TensorTree.DisposeAll(leftover);
            }
            if (!PersistentWorkers) pool.Dispose();
            cancel.Dispose();
            foreach (var o in outputs) o.Dispose();
        }
    }

    private WorkerPool PersistentPool()
    {
        lock (_poolLock)
        {
            return _persistentPool ??= new WorkerPool(this);
        }
    }

    /// <summary>Loads and collates one batch; each sample under its own seeded generator.</summary>
    private DataBatch LoadBatch(int[] indices, int epoch, long batchOrdinal, int workerId)
    {
        if (_readWholeBatches)
        {
            var (stacked, dataSamples) = ((IBatchDataset)Dataset).GetBatch(indices);
            return DataBatch.FromStacked(stacked, dataSamples);
        }
        var samples = new Sample[indices.Length];
        int rank = Distributed.Dist.Rank;
        for (int j = 0; j < indices.Length; j++)
        {
            using var _ = KilnRandom.UseSeed(SampleSeed(Seed, rank, epoch, batchOrdinal, j));
            try
            {
                samples[j] = Dataset.Get(indices[j]);
            }
            catch (Exception e) when (e is not KilnException || workerId >= 0)
            {
                if (workerId >= 0) throw new SampleException(indices[j], e);
                throw new KilnException($"{Dataset.GetType().Name}: loading sample {indices[j]} failed: {e.Message}", e);
            }
        }
        return _collate(samples);
    }

    /// <summary>SplitMix64 over the seed and the sample's position: independent of worker count and thread.</summary>
    internal static int SampleSeed(int seed, int rank, int epoch, long batchOrdinal, int position)
    {
        ulong h = (ulong)(uint)seed;
        h = Mix(h, (ulong)(uint)rank);
        h = Mix(h, (ulong)(uint)epoch);
        h = Mix(h, (ulong)batchOrdinal);
        h = Mix(h, (ulong)(uint)position);
        return (int)(h & 0x7FFFFFFF);

        static ulong Mix(ulong h, ulong v)
        {
            h = unchecked(h * 0x9E3779B97F4A7C15UL + v + 0x632BE59BD9B4E019UL);
            h = unchecked((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL);
            h = unchecked((h ^ (h >> 27)) * 0x94D049BB133111EBUL);
            return h ^ (h >> 31);
        }
    }

    private static Tensor Pin(Tensor t) => cuda.is_available() ? t.pin_memory() : t;

    /// <summary>
    /// Stops persistent workers (joins their threads); safe to call more than once. A later pass starts new ones, so
    /// a Runner can dispose the loaders it built while a caller still holds one.
    /// </summary>
    public void Dispose()
    {
        lock (_poolLock)
        {
            _persistentPool?.Dispose();
            _persistentPool = null;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed record Job(int[] Indices, int Epoch, long BatchOrdinal, BlockingCollection<Result> Output, CancellationToken Cancel);

    private sealed record Result(DataBatch? Batch, Exception? Error = null, int SampleIndex = -1, long BatchOrdinal = -1, int WorkerId = -1);

    private sealed class SampleException(int index, Exception inner) : Exception(inner.Message, inner)
    {
        public int Index { get; } = index;
    }

    /// <summary>N background threads, each with its own job queue (PyTorch's per-worker index queues).</summary>
    private sealed class WorkerPool : IDisposable
    {
        private readonly DataLoader _loader;
        private readonly BlockingCollection<Job>[] _queues;
        private readonly Thread[] _threads;

        public WorkerPool(DataLoader loader)
        {
            _loader = loader;
            int n = loader.NumWorkers;
            _queues = new BlockingCollection<Job>[n];
            _threads = new Thread[n];
            for (int w = 0; w < n; w++)
            {
                _queues[w] = new BlockingCollection<Job>();
                int id = w;
                _threads[w] = new Thread(() => Run(id)) { IsBackground = true, Name = $"kiln-data-worker-{w}" };
                _threads[w].Start();
            }
        }

        public void Post(int worker, Job job) => _queues[worker].Add(job);

        private void Run(int workerId)
        {
            var loader = _loader;
            // MMEngine's worker_init_fn: this thread's generator seeded num_workers * rank + worker_id + seed.
            using var seeded = KilnRandom.Use(new Random(KilnRandom.WorkerSeed(workerId, loader.NumWorkers, Distributed.Dist.Rank, loader.Seed)));
            try { loader._workerInitFn?.Invoke(workerId); }
            catch (Exception e)
            {
                // A failing worker_init_fn fails every job of this worker, so the consumer sees it.
                foreach (var job in _queues[workerId].GetConsumingEnumerable())
                    job.Output.Add(new Result(null, new KilnException($"worker_init_fn failed in data worker {workerId}: {e.Message}", e), -1, job.BatchOrdinal, workerId));
                return;
            }
            foreach (var job in _queues[workerId].GetConsumingEnumerable())
            {
                if (job.Cancel.IsCancellationRequested) { job.Output.Add(new Result(null)); continue; }
                try
                {
                    DataBatch batch;
                    using (var scope = NewDisposeScope())
                    {
                        batch = loader.LoadBatch(job.Indices, job.Epoch, job.BatchOrdinal, workerId);
                        if (loader.PinMemory) batch = TensorTree.Map(batch, Pin);
                        TensorTree.Detach(batch);
                    }
                    job.Output.Add(new Result(batch, BatchOrdinal: job.BatchOrdinal, WorkerId: workerId));
                }
                catch (SampleException e)
                {
                    job.Output.Add(new Result(null, e.InnerException, e.Index, job.BatchOrdinal, workerId));
                }
                catch (Exception e)
                {
                    job.Output.Add(new Result(null, e, -1, job.BatchOrdinal, workerId));
                }
            }
        }

        public void Dispose()
        {
            foreach (var q in _queues) q.CompleteAdding();
            foreach (var t in _threads) t.Join();
            foreach (var q in _queues) q.Dispose();
        }
    }
}

/// <summary>Walks the tensors of a <see cref="DataBatch"/> (its inputs, nested lists and dicts, and stacked inputs).</summary>
internal static class TensorTree
{
    public static DataBatch Map(DataBatch batch, Func<Tensor, Tensor> f) => batch.InputsAreRowsOfStacked
        ? DataBatch.FromStacked(f((Tensor)batch.StackedInputs!), batch.DataSamples)   // the rows follow the stacked tensor
        : new(batch.Inputs.Select(x => MapValue(x, f)!).ToArray(), batch.DataSamples, MapValue(batch.StackedInputs, f));

    public static object? MapValue(object? value, Func<Tensor, Tensor> f) => value switch
    {
        Tensor t => f(t),
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => MapValue(kv.Value, f), StringComparer.Ordinal),
        object?[] a => a.Select(x => MapValue(x, f)).ToArray(),
        IList l when l is not Array => l.Cast<object?>().Select(x => MapValue(x, f)).ToList(),
        _ => value,
    };

    /// <summary>Takes every tensor of the batch out of the worker's dispose scope, so it outlives the scope.</summary>
    public static void Detach(DataBatch batch) => Map(batch, t => { t.DetachFromDisposeScope(); return t; });

    /// <summary>
    /// On the consumer thread: a new handle for each tensor (sharing its storage) made in the caller's current dispose
    /// scope, and the worker's handle freed, so the iteration's scope owns the batch.
    /// </summary>
    public static DataBatch Rehome(DataBatch batch)
    {
        var done = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var result = Map(batch, t =>
        {
            if (done.TryGetValue(t, out var existing)) return existing;
            var owned = t.detach();
            done[t] = owned;
            return owned;
        });
        foreach (var t in done.Keys) t.Dispose();
        return result;
    }

    public static void DisposeAll(DataBatch batch)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Map(batch, t => { if (seen.Add(t)) t.Dispose(); return t; });
    }
}
