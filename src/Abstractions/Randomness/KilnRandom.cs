namespace Kiln.Randomness;

/// <summary>
/// The .NET side of MMEngine's <c>set_random_seed</c>: where Python seeds <c>random</c> and <c>numpy.random</c>, Kiln
/// seeds this. Samplers, transforms and datasets draw .NET random numbers from <see cref="Current"/>, never from
/// <see cref="Random.Shared"/>, so one <c>randomness.seed</c>
/// repeats a whole run. Data-loading workers get MMEngine's <c>worker_init_fn</c> seed from
/// <see cref="WorkerSeed"/>.
/// </summary>
public static class KilnRandom
{
    private static int _seed;
    private static int _generation;
    private static readonly ThreadLocal<(int Generation, Random Random)> PerThread = new();

    /// <summary>The seed of the current run (set by the Runner, or by <see cref="SetSeed"/>).</summary>
    public static int Seed => _seed;

    /// <summary>
    /// Seeds .NET randomness for the process. Each thread's <see cref="Current"/> restarts from a sequence derived
    /// from <paramref name="seed"/> and the thread's first use after this call, so the training thread repeats exactly.
    /// </summary>
    public static void SetSeed(int seed)
    {
        _seed = seed;
        Interlocked.Increment(ref _generation);
    }

    /// <summary>A <see cref="Random"/> for the calling thread, seeded from the run's seed.</summary>
    public static Random Current
    {
        get
        {
            int generation = Volatile.Read(ref _generation);
            var entry = PerThread.Value;
            if (entry.Random is null || entry.Generation != generation)
            {
                entry = (generation, new Random(_seed));
                PerThread.Value = entry;
            }
            return entry.Random;
        }
    }

    /// <summary>
    /// MMEngine's <c>worker_init_fn</c>: <c>num_workers * rank + worker_id + seed</c>.
    /// </summary>
    public static int WorkerSeed(int workerId, int numWorkers, int rank, int seed) => unchecked(numWorkers * rank + workerId + seed);

    /// <summary>
    /// Makes <paramref name="random"/> the calling thread's <see cref="Current"/> until the returned handle is
    /// disposed (then the previous one is back). The DataLoader uses it to give every sample its own seeded
    /// generator, so random transforms give the same result whichever worker thread loads the sample.
    /// </summary>
    public static IDisposable Use(Random random)
    {
        var previous = PerThread.Value;
        PerThread.Value = (Volatile.Read(ref _generation), random);
        return new Restore(previous);
    }

    private sealed class Restore((int Generation, Random Random) previous) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            PerThread.Value = previous;
        }
    }
}
