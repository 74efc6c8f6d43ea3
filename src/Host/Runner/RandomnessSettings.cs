using Kiln.Config;
using TorchSharp;

namespace Kiln;

/// <summary>
/// MMEngine's <c>randomness</c> config (<c>seed</c>, <c>diff_rank_seed</c>, <c>deterministic</c>) and
/// <c>set_random_seed</c>: a null seed draws one at random, which is logged and saved so the run can be repeated.
/// </summary>
internal sealed record RandomnessSettings(int Seed, bool Deterministic, bool DiffRankSeed)
{
    /// <param name="rank">This process's rank: with <c>diff_rank_seed</c> it is added to the seed (MMEngine's <c>set_random_seed</c>).</param>
    public static RandomnessSettings From(object? value, int rank = 0)
    {
        var cfg = value as ConfigDict ?? (value is null ? new ConfigDict()
            : throw new KilnException($"randomness = {ConfigFormatter.Format(value)} must be a dict like dict(seed=0, deterministic=False)."));
        foreach (var key in cfg.Keys)
            if (key is not ("seed" or "deterministic" or "diff_rank_seed"))
                throw new KilnException($"randomness.{key} is not a randomness option; valid: seed, deterministic, diff_rank_seed.");
        int seed = cfg.Get("seed") switch
        {
            // sync_random_seed (SEED-04): rank 0's random seed on every rank.
            null => Distributed.Dist.SyncRandomSeed(),
            long l when l is >= 0 and <= uint.MaxValue => unchecked((int)l),
            var v => throw new KilnException($"randomness.seed = {ConfigFormatter.Format(v)} must be an integer in [0, 2**32) or None."),
        };
        bool diffRankSeed = cfg.Get("diff_rank_seed") is true;
        if (diffRankSeed) seed = unchecked(seed + rank);
        return new RandomnessSettings(seed, cfg.Get("deterministic") is true, diffRankSeed);
    }

    /// <summary>
    /// MMEngine's <c>set_random_seed</c>: seeds libtorch's CPU and CUDA generators and .NET randomness
    /// (<see cref="Randomness.KilnRandom"/>, Kiln's stand-in for Python's <c>random</c> and numpy). With
    /// <see cref="Deterministic"/>, sets <c>torch.use_deterministic_algorithms(True)</c>,
    /// <c>cudnn.deterministic=True</c> and <c>cudnn.benchmark=False</c> as MMEngine does; without it, turns
    /// deterministic algorithms off again, since a second run in the same process must not inherit the first's.
    /// Returns false when this libtorch does not export the switches (the caller logs it).
    /// </summary>
    public bool Apply()
    {
        torch.manual_seed(Seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(Seed);
        Randomness.KilnRandom.SetSeed(Seed);
        if (!LibTorchContext.IsAvailable) return !Deterministic;
        LibTorchContext.SetDeterministicAlgorithms(Deterministic);
        if (Deterministic)
        {
            LibTorchContext.SetDeterministicCuDNN(true);
            LibTorchContext.SetBenchmarkCuDNN(false);
        }
        return true;
    }
}
