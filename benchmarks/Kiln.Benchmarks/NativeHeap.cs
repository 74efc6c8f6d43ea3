using System.Runtime.InteropServices;

namespace Kiln.Benchmarks;

/// <summary>
/// glibc's malloc heap, where libtorch's CPU tensors live, from <c>mallinfo2</c> (all arenas): the bytes in use
/// (allocated chunks plus mmapped blocks) and the free bytes malloc keeps in its arenas. Freed tensor memory stays
/// there until a trim threshold is crossed, so RSS moves up and down by a few MiB between two samples with nothing
/// accumulating; the free column shows how much. Reading it changes nothing (unlike <c>malloc_trim</c>, which would
/// lower every later sample). Linux with glibc only; elsewhere <see cref="Available"/> is false.
/// </summary>
internal static class NativeHeap
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 Mallinfo2();

    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            Mallinfo2();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>MiB of malloc's heap in use (allocated chunks and mmapped blocks) and free in its arenas; NaN without glibc.</summary>
    public static (double InUseMiB, double FreeMiB) Read()
    {
        if (!Available) return (double.NaN, double.NaN);
        var info = Mallinfo2();
        return ((info.Uordblks + info.Hblkhd) / 1048576.0, info.Fordblks / 1048576.0);
    }
}
