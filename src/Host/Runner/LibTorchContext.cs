using System.Runtime.InteropServices;

namespace Kiln;

/// <summary>
/// The switches of libtorch's global <c>at::Context</c> that TorchSharp 0.107 does not wrap:
/// <c>torch.use_deterministic_algorithms</c>, <c>torch.backends.cudnn.deterministic</c> and
/// <c>torch.backends.cudnn.benchmark</c>. They are plain C++ functions exported by <c>libtorch_cpu.so</c>, called by
/// their Itanium-ABI names on the library TorchSharp already loaded (so the same process-wide context is changed).
/// On a platform whose libtorch does not export them (Windows' MSVC names differ), <see cref="IsAvailable"/> is false
/// and callers say the setting was not applied.
/// </summary>
internal static class LibTorchContext
{
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string SetDeterministicAlgorithmsSymbol = "_ZN2at7Context26setDeterministicAlgorithmsEbb";
    private const string DeterministicAlgorithmsSymbol = "_ZNK2at7Context23deterministicAlgorithmsEv";
    private const string SetDeterministicCuDNNSymbol = "_ZN2at7Context21setDeterministicCuDNNEb";
    private const string SetBenchmarkCuDNNSymbol = "_ZN2at7Context17setBenchmarkCuDNNEb";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlagFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetTwoFlagsFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value, [MarshalAs(UnmanagedType.U1)] bool warnOnly);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlagFn(IntPtr context);

    private sealed record Exports(IntPtr Context, SetTwoFlagsFn SetDeterministicAlgorithms, GetFlagFn DeterministicAlgorithms,
        SetFlagFn SetDeterministicCuDNN, SetFlagFn SetBenchmarkCuDNN);

    private static readonly Lazy<Exports?> Loaded = new(Load);

    /// <summary>Whether this libtorch exports the context switches under the names Kiln calls.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary><c>torch.use_deterministic_algorithms(value, warn_only=warnOnly)</c>.</summary>
    public static void SetDeterministicAlgorithms(bool value, bool warnOnly = false)
    {
        var e = Require();
        e.SetDeterministicAlgorithms(e.Context, value, warnOnly);
    }

    /// <summary><c>torch.are_deterministic_algorithms_enabled()</c>.</summary>
    public static bool DeterministicAlgorithms => Require() is var e && e.DeterministicAlgorithms(e.Context);

    /// <summary><c>torch.backends.cudnn.deterministic = value</c>.</summary>
    public static void SetDeterministicCuDNN(bool value)
    {
        var e = Require();
        e.SetDeterministicCuDNN(e.Context, value);
    }

    /// <summary><c>torch.backends.cudnn.benchmark = value</c>.</summary>
    public static void SetBenchmarkCuDNN(bool value)
    {
        var e = Require();
        e.SetBenchmarkCuDNN(e.Context, value);
    }

    private static Exports Require() => Loaded.Value
        ?? throw new PlatformNotSupportedException("this libtorch does not export at::Context's switches under their Itanium-ABI names.");

    private static Exports? Load()
    {
        static T? Fn<T>(string symbol) where T : Delegate => Interop.LibTorchExports.Get<T>(symbol);
        var globalContext = Fn<GlobalContextFn>(GlobalContextSymbol);
        var setAlgorithms = Fn<SetTwoFlagsFn>(SetDeterministicAlgorithmsSymbol);
        var getAlgorithms = Fn<GetFlagFn>(DeterministicAlgorithmsSymbol);
        var setCudnnDeterministic = Fn<SetFlagFn>(SetDeterministicCuDNNSymbol);
        var setCudnnBenchmark = Fn<SetFlagFn>(SetBenchmarkCuDNNSymbol);
        if (globalContext is null || setAlgorithms is null || getAlgorithms is null || setCudnnDeterministic is null || setCudnnBenchmark is null)
            return null;
        return new Exports(globalContext(), setAlgorithms, getAlgorithms, setCudnnDeterministic, setCudnnBenchmark);
    }
}
