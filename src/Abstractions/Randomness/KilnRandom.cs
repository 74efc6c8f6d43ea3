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

    // The calling thread's run-seeded generator and the run generation it was made for.
    [ThreadStatic] private static Random? t_random;
    [ThreadStatic] private static int t_generation;

    // A scope opened by Use/UseSeed: while t_scoped is set, Current is t_scopeRandom, made from t_scopeSeed on first use.
    [ThreadStatic] private static bool t_scoped;
    [ThreadStatic] private static Random? t_scopeRandom;
    [ThreadStatic] private static int t_scopeSeed;

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

    /// <summary>A <see cref="Random"/> for the calling thread, seeded from the run's seed (or the scope's, inside <see cref="Use"/>/<see cref="UseSeed"/>).</summary>
    public static Random Current
    {
        get
        {
            if (t_scoped) return t_scopeRandom ??= new Random(t_scopeSeed);
            int generation = Volatile.Read(ref _generation);
            if (t_random is null || t_generation != generation)
            {
                t_random = new Random(_seed);
                t_generation = generation;
            }
            return t_random;
        }
    }

    /// <summary>
    /// MMEngine's <c>worker_init_fn</c>: <c>num_workers * rank + worker_id + seed</c>.
    /// </summary>
    public static int WorkerSeed(int workerId, int numWorkers, int rank, int seed) => unchecked(numWorkers * rank + workerId + seed);

    /// <summary>
    /// Makes <paramref name="random"/> the calling thread's <see cref="Current"/> until the returned scope is
    /// disposed (then the previous one is back).
    /// </summary>
    public static Scope Use(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var scope = new Scope(t_scoped, t_scopeRandom, t_scopeSeed);
        t_scoped = true;
        t_scopeRandom = random;
        return scope;
    }

    /// <summary>
    /// Makes <c>new Random(seed)</c> the calling thread's <see cref="Current"/> until the returned scope is disposed,
    /// creating it only if something draws from it. The DataLoader opens one per sample, so random transforms give
    /// the same result whichever worker thread loads the sample, and a sample that draws nothing costs nothing.
    /// </summary>
    public static Scope UseSeed(int seed)
    {
        var scope = new Scope(t_scoped, t_scopeRandom, t_scopeSeed);
        t_scoped = true;
        t_scopeRandom = null;
        t_scopeSeed = seed;
        return scope;
    }

    /// <summary>The state a <see cref="Use"/>/<see cref="UseSeed"/> scope restores when disposed (no allocation).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _scoped;
        private readonly Random? _random;
        private readonly int _seed;

        internal Scope(bool scoped, Random? random, int seed)
        {
            _scoped = scoped;
            _random = random;
            _seed = seed;
        }

        public void Dispose()
        {
            t_scoped = _scoped;
            t_scopeRandom = _random;
            t_scopeSeed = _seed;
        }
    }
}
