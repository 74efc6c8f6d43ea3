using TorchSharp;

namespace Kiln.Distributed;

/// <summary>
/// The process group over MPI (MMEngine's <c>init_dist('mpi')</c>, DIST-01..03): <c>MPI_COMM_WORLD</c>'s rank and
/// size, the local rank from Open MPI's <c>OMPI_COMM_WORLD_LOCAL_RANK</c> (or a shared-memory split), and the
/// collectives on CPU tensors in place. CUDA tensors go through a CPU copy (NCCL is designed in docs/distributed.md,
/// not built). float16/bfloat16 are reduced as float32. Calls are serialised by a lock, so any thread may use it.
/// One per process: <see cref="Initialize"/> calls <c>MPI_Init_thread</c> once; <see cref="Shutdown"/> (or process
/// exit) calls <c>MPI_Finalize</c>, and <see cref="Abort"/> ends every rank of the job when one fails.
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    /// <summary>Elements per MPI call, below <c>int.MaxValue</c>; larger tensors go in chunks.</summary>
    private const int MaxCount = 1 << 28;

    private static readonly Lock InitLock = new();
    private static MpiProcessGroup? _instance;

    private readonly MpiNative.Api _api;
    private readonly Lock _lock = new();
    private bool _finalized;

    private MpiProcessGroup(MpiNative.Api api, int rank, int worldSize, int localRank, int localWorldSize)
    {
        _api = api;
        Rank = rank;
        WorldSize = worldSize;
        LocalRank = localRank;
        LocalWorldSize = localWorldSize;
    }

    public int Rank { get; }

    public int WorldSize { get; }

    public int LocalRank { get; }

    public int LocalWorldSize { get; }

    public string? Backend => "mpi";

    /// <summary>Whether libmpi can be opened here; <paramref name="reason"/> says why not.</summary>
    public static bool IsAvailable(out string? reason)
    {
        reason = MpiNative.LoadError;
        return MpiNative.Instance is not null;
    }

    /// <summary>Whether this process was started by Open MPI's <c>mpirun</c>/<c>mpiexec</c> (it sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool LaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is { Length: > 0 };

    /// <summary>
    /// MPI_Init_thread (serialized) once per process, and the world's rank, size and local rank; also sets
    /// <c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>LOCAL_WORLD_SIZE</c> as MMEngine's <c>_init_dist_mpi</c> does.
    /// </summary>
    public static MpiProcessGroup Initialize()
    {
        lock (InitLock)
        {
            if (_instance is not null) return _instance;
            var api = MpiNative.Instance ?? throw new KilnException("launcher='mpi': " + MpiNative.LoadError);
            int flag = 0;
            api.Check(api.Initialized(&flag), "MPI_Initialized");
            if (flag == 0)
            {
                int provided = 0;
                api.Check(api.InitThread(null, IntPtr.Zero, MpiNative.ThreadSerialized, &provided), "MPI_Init_thread");
            }
            int rank = 0, size = 0;
            api.Check(api.CommRank(api.CommWorld, &rank), "MPI_Comm_rank");
            api.Check(api.CommSize(api.CommWorld, &size), "MPI_Comm_size");
            var (localRank, localSize) = LocalRankAndSize(api, rank);
            _instance = new MpiProcessGroup(api, rank, size, localRank, localSize);
            Environment.SetEnvironmentVariable("RANK", rank.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("WORLD_SIZE", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("LOCAL_RANK", localRank.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("LOCAL_WORLD_SIZE", localSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _instance?.Shutdown();
            return _instance;
        }
    }

    /// <summary>The group <see cref="Initialize"/> made, or null before.</summary>
    public static MpiProcessGroup? Instance => _instance;

    private static (int Rank, int Size) LocalRankAndSize(MpiNative.Api api, int rank)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_RANK"), out int lr)
            && int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int ls))
            return (lr, ls);
        IntPtr local = IntPtr.Zero;
        api.Check(api.CommSplitType(api.CommWorld, MpiNative.CommTypeShared, rank, api.InfoNull, &local), "MPI_Comm_split_type");
        int r = 0, s = 0;
        api.Check(api.CommRank(local, &r), "MPI_Comm_rank");
        api.Check(api.CommSize(local, &s), "MPI_Comm_size");
        api.Check(api.CommFree(&local), "MPI_Comm_free");
        return (r, s);
    }

    /// <summary>MPI_Finalize, once; every rank should reach it (the end of a run, or process exit).</summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            if (_finalized) return;
            _finalized = true;
            int flag = 0;
            _api.Finalized(&flag);
            if (flag == 0) _api.Finalize();
        }
    }

    /// <summary>
    /// MPI_Abort on the world: ends every rank of the job with <paramref name="errorCode"/>, so the others do not
    /// wait forever in a collective for a rank that failed. Does not return.
    /// </summary>
    public void Abort(int errorCode)
    {
        _finalized = true;
        _api.Abort(_api.CommWorld, errorCode);
        Environment.Exit(errorCode);
    }

    public void Barrier()
    {
        lock (_lock) _api.Check(_api.Barrier(_api.CommWorld), "MPI_Barrier");
    }

    public void AllReduce(torch.Tensor tensor, string op = "sum")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        IntPtr mpiOp = op switch
        {
            "sum" or "mean" => _api.OpSum,
            "max" => _api.OpMax,
            "min" => _api.OpMin,
            _ => throw new ArgumentException($"all_reduce op '{op}' is not supported; use 'sum', 'mean', 'max' or 'min'.", nameof(op)),
        };
        using var scope = torch.NewDisposeScope();
        var (work, type, elementSize) = Staging(tensor);
        long count = work.numel();
        lock (_lock)
        {
            fixed (byte* p = work.bytes)
                for (long offset = 0; offset < count; offset += MaxCount)
                {
                    int n = (int)Math.Min(MaxCount, count - offset);
                    _api.Check(_api.Allreduce(MpiNative.InPlace, (IntPtr)(p + offset * elementSize), n, type, mpiOp, _api.CommWorld), "MPI_Allreduce");
                }
        }
        if (op == "mean")
        {
            if (work.is_floating_point()) work.div_(WorldSize);
            else work.div_(WorldSize, rounding_mode: torch.RoundingMode.floor);
        }
        if (!ReferenceEquals(work, tensor))
            using (torch.no_grad()) tensor.copy_(work);
    }

    public void Broadcast(torch.Tensor tensor, int src = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckRank(src);
        using var scope = torch.NewDisposeScope();
        var (work, _, _) = Staging(tensor, anyType: true);
        lock (_lock)
        {
            fixed (byte* p = work.bytes)
                BcastBytes(p, work.numel() * work.ElementSize, src);
        }
        if (!ReferenceEquals(work, tensor))
            using (torch.no_grad()) tensor.copy_(work);
    }

    public IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        // Shapes and dtypes first, so a mismatch is an error on every rank rather than a corrupt gather.
        var meta = string.Join(",", tensor.shape) + ":" + tensor.dtype;
        var metas = AllGatherBytes(System.Text.Encoding.UTF8.GetBytes(meta)).Select(b => System.Text.Encoding.UTF8.GetString(b)).ToList();
        if (metas.Distinct().Count() != 1)
            throw new KilnException($"all_gather needs the same shape and dtype on every rank; got {string.Join(" | ", metas.Select((m, r) => $"rank {r}: [{m}]"))}.");
        var cpu = tensor.detach().cpu().contiguous();
        var gathered = torch.empty([WorldSize, .. tensor.shape], tensor.dtype);
        long bytes = cpu.numel() * cpu.ElementSize;
        if (bytes > int.MaxValue) throw new KilnException($"all_gather of {bytes} bytes per rank is over MPI's 2 GiB count limit; gather it in parts.");
        lock (_lock)
        {
            fixed (byte* send = cpu.bytes)
            fixed (byte* recv = gathered.bytes)
                _api.Check(_api.Allgather((IntPtr)send, (int)bytes, _api.Byte, (IntPtr)recv, (int)bytes, _api.Byte, _api.CommWorld), "MPI_Allgather");
        }
        if (!ReferenceEquals(cpu, tensor)) cpu.Dispose();
        var result = new List<torch.Tensor>(WorldSize);
        for (int r = 0; r < WorldSize; r++) result.Add(gathered[r].clone().to(tensor.device));
        gathered.Dispose();
        return result;
    }

    public IReadOnlyList<byte[]> AllGatherBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var lengths = new int[WorldSize];
        int mine = data.Length;
        lock (_lock)
        {
            fixed (int* l = lengths)
                _api.Check(_api.Allgather((IntPtr)(&mine), 1, _api.Int32, (IntPtr)l, 1, _api.Int32, _api.CommWorld), "MPI_Allgather");
            var displacements = new int[WorldSize];
            long total = 0;
            for (int r = 0; r < WorldSize; r++)
            {
                if (total > int.MaxValue) break;
                displacements[r] = (int)total;
                total += lengths[r];
            }
            if (total > int.MaxValue)
                throw new KilnException($"all_gather of {total} bytes in all is over MPI's 2 GiB displacement limit; collect fewer results at once.");
            var all = new byte[Math.Max(1, total)];
            fixed (byte* send = data)
            fixed (byte* recv = all)
            fixed (int* counts = lengths)
            fixed (int* displs = displacements)
                _api.Check(_api.Allgatherv((IntPtr)send, data.Length, _api.Byte, (IntPtr)recv, counts, displs, _api.Byte, _api.CommWorld), "MPI_Allgatherv");
            return Enumerable.Range(0, WorldSize).Select(r => all.AsSpan(displacements[r], lengths[r]).ToArray()).ToList();
        }
    }

    public byte[] BroadcastBytes(byte[] data, int src = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckRank(src);
        lock (_lock)
        {
            long length = data.Length;
            _api.Check(_api.Bcast((IntPtr)(&length), 1, _api.Int64, src, _api.CommWorld), "MPI_Bcast");
            var result = Rank == src ? data : new byte[length];
            fixed (byte* p = result)
                BcastBytes(p, length, src);
            return result;
        }
    }

    private void BcastBytes(byte* p, long bytes, int src)
    {
        for (long offset = 0; offset < bytes; offset += MaxCount)
        {
            int n = (int)Math.Min(MaxCount, bytes - offset);
            _api.Check(_api.Bcast((IntPtr)(p + offset), n, _api.Byte, src, _api.CommWorld), "MPI_Bcast");
        }
    }

    private void CheckRank(int src)
    {
        if (src < 0 || src >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(src), src, $"rank must be in [0, {WorldSize}).");
    }

    /// <summary>
    /// The contiguous CPU tensor MPI works on: <paramref name="tensor"/> itself when it already is one of a type MPI
    /// reduces, else a copy (half types as float32) the caller copies back. The copy lives in the caller's dispose scope.
    /// </summary>
    private (torch.Tensor Work, IntPtr Type, int ElementSize) Staging(torch.Tensor tensor, bool anyType = false)
    {
        var work = tensor;
        if (!anyType && tensor.dtype is torch.ScalarType.Float16 or torch.ScalarType.BFloat16)
            work = tensor.detach().to(torch.float32, torch.CPU);
        else if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
            work = tensor.detach().cpu().contiguous();
        if (work.device_type != DeviceType.CPU || !work.is_contiguous()) work = work.cpu().contiguous();
        if (anyType) return (work, _api.Byte, 1);
        IntPtr type = work.dtype switch
        {
            torch.ScalarType.Float32 => _api.Float,
            torch.ScalarType.Float64 => _api.Double,
            torch.ScalarType.Int64 => _api.Int64,
            torch.ScalarType.Int32 => _api.Int32,
            torch.ScalarType.Byte => _api.UInt8,
            _ => throw new KilnException($"all_reduce of {work.dtype} tensors is not supported over MPI; use float32, float64, int64, int32 or uint8."),
        };
        return (work, type, (int)work.ElementSize);
    }
}
