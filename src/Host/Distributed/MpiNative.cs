using System.Runtime.InteropServices;

namespace Kiln.Distributed;

/// <summary>
/// Open MPI's C API (libmpi.so.40, Debian's <c>libopenmpi3</c>) by function pointer. The library is opened with
/// <c>RTLD_GLOBAL</c>, as mpi4py does, so the MCA components Open MPI loads later see its symbols. Open MPI's
/// predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...) are the addresses of global
/// objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>), read with
/// <see cref="NativeLibrary.GetExport"/>. Another MPI (MPICH uses integer handles) is not supported.
/// </summary>
internal static unsafe class MpiNative
{
    public const int Success = 0;
    public const int ThreadSerialized = 2;
    public const int CommTypeShared = 0;
    public static readonly IntPtr InPlace = 1;

    private static readonly Lazy<Api?> Loaded = new(Load);
    private static string? _loadError;

    /// <summary>The API, or null when libmpi cannot be opened (<see cref="LoadError"/> says why).</summary>
    public static Api? Instance => Loaded.Value;

    public static string? LoadError => Loaded.Value is null ? _loadError : null;

    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

    [DllImport("libc.so.6", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    /// <summary>Candidate names: <c>KILN_LIBMPI</c> when set, then Open MPI 4/5's soname.</summary>
    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("KILN_LIBMPI") is { Length: > 0 } own) yield return own;
        yield return "libmpi.so.40";
        yield return "libmpi.so";
    }

    private static Api? Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            _loadError = "Kiln's MPI transport runs on Linux with Open MPI; this is " + RuntimeInformation.OSDescription + ".";
            return null;
        }
        var errors = new List<string>();
        foreach (var name in Candidates())
        {
            IntPtr handle;
            try
            {
                handle = DlOpen(name, RtldNow | RtldGlobal);
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{name}: {e.Message}");
                continue;
            }
            if (handle == IntPtr.Zero)
            {
                errors.Add($"{name}: {Marshal.PtrToStringAnsi(DlError())}");
                continue;
            }
            if (!NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
            {
                errors.Add($"{name}: not Open MPI (no ompi_mpi_comm_world symbol)");
                continue;
            }
            return new Api(handle);
        }
        _loadError = "libmpi could not be opened (" + string.Join("; ", errors)
            + "). Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or point KILN_LIBMPI at libmpi.so.40.";
        return null;
    }

    /// <summary>The functions and predefined handles of one opened libmpi.</summary>
    internal sealed class Api
    {
        public Api(IntPtr lib)
        {
            IntPtr F(string name) => NativeLibrary.GetExport(lib, name);
            Initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
            Finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized");
            InitThread = (delegate* unmanaged<int*, IntPtr, int, int*, int>)F("MPI_Init_thread");
            Finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
            Abort = (delegate* unmanaged<IntPtr, int, int>)F("MPI_Abort");
            CommRank = (delegate* unmanaged<IntPtr, int*, int>)F("MPI_Comm_rank");
            CommSize = (delegate* unmanaged<IntPtr, int*, int>)F("MPI_Comm_size");
            CommSplitType = (delegate* unmanaged<IntPtr, int, int, IntPtr, IntPtr*, int>)F("MPI_Comm_split_type");
            CommFree = (delegate* unmanaged<IntPtr*, int>)F("MPI_Comm_free");
            Barrier = (delegate* unmanaged<IntPtr, int>)F("MPI_Barrier");
            Bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)F("MPI_Bcast");
            Allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)F("MPI_Allreduce");
            Allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)F("MPI_Allgather");
            Allgatherv = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int*, int*, IntPtr, IntPtr, int>)F("MPI_Allgatherv");
            ErrorString = (delegate* unmanaged<int, byte*, int*, int>)F("MPI_Error_string");
            CommWorld = F("ompi_mpi_comm_world");
            InfoNull = F("ompi_mpi_info_null");
            Byte = F("ompi_mpi_byte");
            Int32 = F("ompi_mpi_int");
            Int64 = F("ompi_mpi_int64_t");
            UInt8 = F("ompi_mpi_uint8_t");
            Float = F("ompi_mpi_float");
            Double = F("ompi_mpi_double");
            OpSum = F("ompi_mpi_op_sum");
            OpMax = F("ompi_mpi_op_max");
            OpMin = F("ompi_mpi_op_min");
        }

        public readonly delegate* unmanaged<int*, int> Initialized;
        public readonly delegate* unmanaged<int*, int> Finalized;
        public readonly delegate* unmanaged<int*, IntPtr, int, int*, int> InitThread;
        public readonly delegate* unmanaged<int> Finalize;
        public readonly delegate* unmanaged<IntPtr, int, int> Abort;
        public readonly delegate* unmanaged<IntPtr, int*, int> CommRank;
        public readonly delegate* unmanaged<IntPtr, int*, int> CommSize;
        public readonly delegate* unmanaged<IntPtr, int, int, IntPtr, IntPtr*, int> CommSplitType;
        public readonly delegate* unmanaged<IntPtr*, int> CommFree;
        public readonly delegate* unmanaged<IntPtr, int> Barrier;
        public readonly delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> Bcast;
        public readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce;
        public readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> Allgather;
        public readonly delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int*, int*, IntPtr, IntPtr, int> Allgatherv;
        public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString;

        public IntPtr CommWorld { get; }
        public IntPtr InfoNull { get; }
        public IntPtr Byte { get; }
        public IntPtr Int32 { get; }
        public IntPtr Int64 { get; }
        public IntPtr UInt8 { get; }
        public IntPtr Float { get; }
        public IntPtr Double { get; }
        public IntPtr OpSum { get; }
        public IntPtr OpMax { get; }
        public IntPtr OpMin { get; }

        /// <summary>Throws with MPI's own message when <paramref name="code"/> is not <c>MPI_SUCCESS</c>.</summary>
        public void Check(int code, string call)
        {
            if (code == Success) return;
            var buffer = stackalloc byte[512];
            int length = 0;
            string text = ErrorString(code, buffer, &length) == Success ? Marshal.PtrToStringAnsi((IntPtr)buffer, length) : $"error {code}";
            throw new KilnException($"{call} failed: {text}.");
        }
    }
}
