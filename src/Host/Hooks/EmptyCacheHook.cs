using System.Runtime.InteropServices;
using Kiln.Registry;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>EmptyCacheHook</c> (HOOK-12, SPEED-08): releases the CUDA caching allocator's unused blocks
/// (<c>torch.cuda.empty_cache()</c>) before each epoch (<c>before_epoch</c>), after each epoch (<c>after_epoch</c>,
/// default on) and after each iteration (<c>after_iter</c>), in the train, val and test loops. Without CUDA there is
/// nothing cached and the call does nothing, as in PyTorch. TorchSharp 0.107 does not wrap <c>empty_cache</c>; Kiln calls
/// <c>c10::cuda::CUDACachingAllocator::emptyCache()</c> in <c>libc10_cuda</c> by its exported name, and where that
/// libtorch does not export it, says so once in the log and releases nothing.
/// </summary>
[Register(Registries.Hooks)]
public sealed class EmptyCacheHook(bool beforeEpoch = false, bool afterEpoch = true, bool afterIter = false) : Hook
{
    private bool _warned;

    public override int Priority => HookPriority.Normal;

    public bool DoBeforeEpoch { get; } = beforeEpoch;

    public bool DoAfterEpoch { get; } = afterEpoch;

    public bool DoAfterIter { get; } = afterIter;

    /// <summary>How many times the cache was emptied (each call counts, with or without CUDA).</summary>
    public int Calls { get; private set; }

    protected override void AfterIter(IRunnerContext runner, string mode, BatchArgs args)
    {
        if (DoAfterIter) EmptyCache(runner);
    }

    protected override void BeforeEpoch(IRunnerContext runner, string mode)
    {
        if (DoBeforeEpoch) EmptyCache(runner);
    }

    protected override void AfterEpoch(IRunnerContext runner, string mode)
    {
        if (DoAfterEpoch) EmptyCache(runner);
    }

    private void EmptyCache(IRunnerContext runner)
    {
        Calls++;
        if (CudaCache.EmptyCache() || _warned) return;
        _warned = true;
        runner.Logger.LogWarning("EmptyCacheHook: this libtorch does not export c10::cuda::CUDACachingAllocator::emptyCache(), so the CUDA cache is not emptied.");
    }
}

/// <summary><c>torch.cuda.empty_cache()</c> through <c>libc10_cuda</c>'s export (TorchSharp 0.107 does not wrap it).</summary>
internal static class CudaCache
{
    // c10::cuda::CUDACachingAllocator::emptyCache() — the argument-less form; a libtorch whose emptyCache takes a
    // mempool id exports another name, so a name match also means the signature matches.
    private const string EmptyCacheSymbol = "_ZN3c104cuda20CUDACachingAllocator10emptyCacheEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void EmptyCacheFn();

    private static readonly Lazy<EmptyCacheFn?> Function = new(Load);

    /// <summary>Empties the cache; true when done or when there is no CUDA (nothing cached), false when CUDA is there but the export is not.</summary>
    public static bool EmptyCache()
    {
        if (!torch.cuda.is_available()) return true;
        if (Function.Value is not { } fn) return false;
        fn();
        return true;
    }

    private static EmptyCacheFn? Load()
    {
        string name = OperatingSystem.IsWindows() ? "c10_cuda.dll" : OperatingSystem.IsMacOS() ? "libc10_cuda.dylib" : "libc10_cuda.so";
        if (!NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out var lib) && !NativeLibrary.TryLoad(name, out lib)) return null;
        return NativeLibrary.TryGetExport(lib, EmptyCacheSymbol, out var p) ? Marshal.GetDelegateForFunctionPointer<EmptyCacheFn>(p) : null;
    }
}
