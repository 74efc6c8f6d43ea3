using TorchSharp;

namespace Kiln.Distributed;

/// <summary>
/// The process group a run belongs to (MMEngine's <c>mmengine.dist</c>): rank, world size and the collectives Kiln
/// needs. <see cref="Dist.Current"/> is <see cref="SingleProcessGroup"/> unless a launcher (issue 14: MPI) installs
/// another; samplers, evaluators, hooks and the Runner read it from there.
/// </summary>
public interface IProcessGroup
{
    /// <summary>This process's rank, 0-based.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int WorldSize { get; }

    /// <summary>Rank on this machine.</summary>
    int LocalRank { get; }

    /// <summary>Processes on this machine.</summary>
    int LocalWorldSize { get; }

    /// <summary>Blocks until every rank has reached it.</summary>
    void Barrier();

    /// <summary>
    /// Sums <paramref name="tensor"/> over all ranks in place (<c>op='sum'</c>), averages it (<c>'mean'</c>), or takes the
    /// element-wise <c>'max'</c> or <c>'min'</c>.
    /// </summary>
    void AllReduce(torch.Tensor tensor, string op = "sum");

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with rank <paramref name="src"/>'s values.</summary>
    void Broadcast(torch.Tensor tensor, int src = 0);

    /// <summary>Every rank's <paramref name="tensor"/>, in rank order (shapes must match).</summary>
    IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor);

    /// <summary>Every rank's bytes, in rank order (any lengths): the base of <c>collect_results</c> and object broadcast.</summary>
    IReadOnlyList<byte[]> AllGatherBytes(byte[] data);

    /// <summary>MMEngine's <c>get_backend</c>: the transport's name (<c>"mpi"</c>), or null in one process.</summary>
    string? Backend => null;

    /// <summary>
    /// Rank <paramref name="src"/>'s bytes on every rank (MMEngine's <c>broadcast_object_list</c> base). The default
    /// goes through <see cref="AllGatherBytes"/>; transports override it with a real broadcast.
    /// </summary>
    byte[] BroadcastBytes(byte[] data, int src = 0) => AllGatherBytes(data)[src];
}

/// <summary>The default group: one process, rank 0, every collective the identity.</summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    public static readonly SingleProcessGroup Instance = new();

    private SingleProcessGroup() { }

    public int Rank => 0;

    public int WorldSize => 1;

    public int LocalRank => 0;

    public int LocalWorldSize => 1;

    public void Barrier() { }

    public void AllReduce(torch.Tensor tensor, string op = "sum")
    {
        if (op is not ("sum" or "mean" or "max" or "min"))
            throw new ArgumentException($"all_reduce op '{op}' is not supported; use 'sum', 'mean', 'max' or 'min'.", nameof(op));
    }

    public void Broadcast(torch.Tensor tensor, int src = 0)
    {
        if (src != 0)
            throw new ArgumentOutOfRangeException(nameof(src), src, "a single-process group has only rank 0.");
    }

    public IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor) => [tensor];

    public IReadOnlyList<byte[]> AllGatherBytes(byte[] data) => [data];

    public byte[] BroadcastBytes(byte[] data, int src = 0)
    {
        if (src != 0)
            throw new ArgumentOutOfRangeException(nameof(src), src, "a single-process group has only rank 0.");
        return data;
    }
}

/// <summary>Where the current process group lives (MMEngine's <c>get_dist_info</c>, <c>is_main_process</c>).</summary>
public static class Dist
{
    private static IProcessGroup _process = SingleProcessGroup.Instance;
    private static readonly AsyncLocal<IProcessGroup?> Scoped = new();

    /// <summary>
    /// The group of this process; <see cref="SingleProcessGroup"/> until a launcher sets another. A group installed
    /// with <see cref="Use"/> takes precedence on that async flow.
    /// </summary>
    public static IProcessGroup Current
    {
        get => Scoped.Value ?? _process;
        set => _process = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Makes <paramref name="group"/> current for this async flow (and what it starts) until the result is disposed:
    /// tests and in-process simulations of several ranks use it without touching other threads' view.
    /// </summary>
    public static IDisposable Use(IProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var previous = Scoped.Value;
        Scoped.Value = group;
        return new Restore(previous);
    }

    public static int Rank => Current.Rank;

    public static int WorldSize => Current.WorldSize;

    /// <summary>Whether this is rank 0 (MMEngine's <c>is_main_process</c>; logs and checkpoints are written there).</summary>
    public static bool IsMainProcess => Current.Rank == 0;

    /// <summary>Whether more than one process takes part.</summary>
    public static bool IsDistributed => Current.WorldSize > 1;

    /// <summary>MMEngine's <c>get_local_rank</c>.</summary>
    public static int LocalRank => Current.LocalRank;

    /// <summary>MMEngine's <c>get_local_size</c>.</summary>
    public static int LocalWorldSize => Current.LocalWorldSize;

    /// <summary>MMEngine's <c>get_backend</c>: null in one process.</summary>
    public static string? Backend => Current.Backend;

    /// <summary>MMEngine's <c>barrier</c>.</summary>
    public static void Barrier() => Current.Barrier();

    /// <summary>MMEngine's <c>master_only</c>: runs <paramref name="action"/> on rank 0 only.</summary>
    public static void MasterOnly(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (IsMainProcess) action();
    }

    /// <summary>
    /// MMEngine's <c>sync_random_seed</c> (SEED-04): a random seed drawn on rank 0 and broadcast, so every rank
    /// shuffles alike when no seed is configured. In one process, just a random seed.
    /// </summary>
    public static int SyncRandomSeed()
    {
        int seed = Randomness.KilnRandom.Current.Next();
        if (!IsDistributed) return seed;
        return BitConverter.ToInt32(Current.BroadcastBytes(BitConverter.GetBytes(seed), 0));
    }

    private sealed class Restore(IProcessGroup? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
