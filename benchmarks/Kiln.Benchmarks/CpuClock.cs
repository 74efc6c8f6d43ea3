using System.Runtime.InteropServices;

namespace Kiln.Benchmarks;

/// <summary>
/// The process's CPU time, all threads (Linux <c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID)</c>), for timings that must not
/// count the time spent waiting for a core on a shared machine: libtorch's worker threads are included, time other
/// processes run is not. Elsewhere (no such clock) it returns NaN.
/// </summary>
internal static partial class CpuClock
{
    private const int ClockProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The process's CPU time in milliseconds.</summary>
    public static double ProcessMs()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockProcessCpuTimeId, out var t) != 0) return double.NaN;
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }
}
