using System.Runtime.InteropServices;
using TorchSharp;

namespace Kiln.Interop;

/// <summary>
/// C++ functions of the <c>libtorch_cpu</c> TorchSharp already loaded, looked up by their Itanium-ABI names, for the
/// switches TorchSharp 0.107 does not wrap (<see cref="LibTorchContext"/>, <see cref="Optim.Autocast"/>). The library
/// is opened once; on Windows (MSVC names differ) or when it cannot be found, every lookup gives null and the callers
/// report the feature as unavailable.
/// </summary>
internal static class LibTorchExports
{
    private static readonly Lazy<IntPtr> Library = new(Open);

    /// <summary>The function <paramref name="symbol"/> as a delegate, or null when libtorch does not export it.</summary>
    public static T? Get<T>(string symbol) where T : Delegate =>
        Library.Value != IntPtr.Zero && NativeLibrary.TryGetExport(Library.Value, symbol, out var p)
            ? Marshal.GetDelegateForFunctionPointer<T>(p)
            : null;

    private static IntPtr Open()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return IntPtr.Zero;
        _ = torch.get_num_threads(); // make TorchSharp load libtorch first, so the name below finds that copy
        string name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        return NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out var lib) || NativeLibrary.TryLoad(name, out lib)
            ? lib
            : IntPtr.Zero;
    }
}
