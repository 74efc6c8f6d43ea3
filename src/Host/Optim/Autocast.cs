using System.Runtime.InteropServices;
using TorchSharp;

namespace Kiln.Optim;

/// <summary>
/// libtorch's autocast switches (<c>torch.autocast</c>), which TorchSharp 0.107 does not wrap. They are the plain C++
/// functions of <c>at::autocast</c> exported by <c>libtorch_cpu.so</c>, called by their Itanium-ABI names on the library
/// TorchSharp already loaded (the same pattern as <see cref="LibTorchContext"/>). The state is thread-local in libtorch,
/// as in PyTorch: a scope affects the tensor operations of the thread that opened it, and must be closed on that thread.
/// On a platform whose libtorch does not export these names (Windows' MSVC names differ), <see cref="IsAvailable"/> is false.
/// </summary>
internal static class Autocast
{
    private const string SetEnabledSymbol = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb";
    private const string IsEnabledSymbol = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE";
    private const string SetDtypeSymbol = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE";
    private const string GetDtypeSymbol = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE";
    private const string IncrementNestingSymbol = "_ZN2at8autocast17increment_nestingEv";
    private const string DecrementNestingSymbol = "_ZN2at8autocast17decrement_nestingEv";
    private const string ClearCacheSymbol = "_ZN2at8autocast11clear_cacheEv";
    private const string IsCacheEnabledSymbol = "_ZN2at8autocast25is_autocast_cache_enabledEv";
    private const string SetCacheEnabledSymbol = "_ZN2at8autocast26set_autocast_cache_enabledEb";

    // c10::DeviceType and c10::ScalarType are enums over int8_t; TorchSharp's DeviceType and ScalarType use c10's values.
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabledFn(sbyte device, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool IsEnabledFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDtypeFn(sbyte device, sbyte dtype);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate sbyte GetDtypeFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate long NestingFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void VoidFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlagFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlagFn([MarshalAs(UnmanagedType.U1)] bool value);

    private sealed record Exports(SetEnabledFn SetEnabled, IsEnabledFn IsEnabled, SetDtypeFn SetDtype, GetDtypeFn GetDtype,
        NestingFn IncrementNesting, NestingFn DecrementNesting, VoidFn ClearCache, GetFlagFn IsCacheEnabled, SetFlagFn SetCacheEnabled);

    private static readonly Lazy<Exports?> Loaded = new(Load);

    /// <summary>Whether this libtorch exports the autocast switches under the names Kiln calls.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary><c>torch.is_autocast_enabled(device_type)</c> on this thread.</summary>
    public static bool IsEnabled(DeviceType device) => Require().IsEnabled(Device(device));

    /// <summary><c>torch.get_autocast_dtype(device_type)</c>: bfloat16 on CPU, float16 on CUDA unless changed.</summary>
    public static torch.ScalarType GetDtype(DeviceType device) => (torch.ScalarType)Require().GetDtype(Device(device));

    /// <summary><c>torch.is_autocast_cache_enabled()</c>.</summary>
    public static bool IsCacheEnabled => Require().IsCacheEnabled();

    /// <summary>
    /// <c>with torch.autocast(device_type, dtype=dtype, enabled=enabled, cache_enabled=cacheEnabled):</c> —
    /// dispose the result to leave. <paramref name="dtype"/> null means the device's default
    /// (<see cref="GetDtype"/>). As torch.autocast, a dtype other than float16/bfloat16 disables autocast in the scope.
    /// </summary>
    public static IDisposable Enable(DeviceType device, torch.ScalarType? dtype = null, bool cacheEnabled = true, bool enabled = true)
    {
        var e = Require();
        sbyte d = Device(device);
        var fastDtype = dtype ?? (torch.ScalarType)e.GetDtype(d);
        if (fastDtype is not (torch.ScalarType.BFloat16 or torch.ScalarType.Float16)) enabled = false;
        return new Scope(e, d, fastDtype, enabled, cacheEnabled);
    }

    private static sbyte Device(DeviceType device) => device switch
    {
        DeviceType.CPU or DeviceType.CUDA => (sbyte)device,
        _ => throw new KilnException($"autocast: device type '{device}' is not supported; Kiln autocasts on 'cpu' and 'cuda'."),
    };

    private static Exports Require() => Loaded.Value
        ?? throw new PlatformNotSupportedException("this libtorch does not export at::autocast's switches under their Itanium-ABI names, "
            + "so mixed precision (AmpOptimWrapper) is not available here.");

    private static Exports? Load()
    {
        static T? Fn<T>(string symbol) where T : Delegate => Interop.LibTorchExports.Get<T>(symbol);
        var setEnabled = Fn<SetEnabledFn>(SetEnabledSymbol);
        var isEnabled = Fn<IsEnabledFn>(IsEnabledSymbol);
        var setDtype = Fn<SetDtypeFn>(SetDtypeSymbol);
        var getDtype = Fn<GetDtypeFn>(GetDtypeSymbol);
        var increment = Fn<NestingFn>(IncrementNestingSymbol);
        var decrement = Fn<NestingFn>(DecrementNestingSymbol);
        var clearCache = Fn<VoidFn>(ClearCacheSymbol);
        var isCacheEnabled = Fn<GetFlagFn>(IsCacheEnabledSymbol);
        var setCacheEnabled = Fn<SetFlagFn>(SetCacheEnabledSymbol);
        if (setEnabled is null || isEnabled is null || setDtype is null || getDtype is null || increment is null || decrement is null
            || clearCache is null || isCacheEnabled is null || setCacheEnabled is null)
            return null;
        return new Exports(setEnabled, isEnabled, setDtype, getDtype, increment, decrement, clearCache, isCacheEnabled, setCacheEnabled);
    }

    /// <summary>torch.autocast's <c>__enter__</c> in the constructor and <c>__exit__</c> in <see cref="Dispose"/>.</summary>
    private sealed class Scope : IDisposable
    {
        private readonly Exports _e;
        private readonly sbyte _device;
        private readonly bool _prevEnabled;
        private readonly sbyte _prevDtype;
        private readonly bool _prevCacheEnabled;
        private bool _closed;

        public Scope(Exports e, sbyte device, torch.ScalarType dtype, bool enabled, bool cacheEnabled)
        {
            _e = e;
            _device = device;
            _prevCacheEnabled = e.IsCacheEnabled();
            _prevEnabled = e.IsEnabled(device);
            _prevDtype = e.GetDtype(device);
            e.SetEnabled(device, enabled);
            e.SetDtype(device, (sbyte)dtype);
            e.IncrementNesting();
            e.SetCacheEnabled(cacheEnabled);
        }

        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            // Drop the cache of casted weights when the outermost autocast region ends.
            if (_e.DecrementNesting() == 0) _e.ClearCache();
            _e.SetEnabled(_device, _prevEnabled);
            _e.SetDtype(_device, _prevDtype);
            _e.SetCacheEnabled(_prevCacheEnabled);
        }
    }
}
