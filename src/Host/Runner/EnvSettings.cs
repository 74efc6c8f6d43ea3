using System.Runtime.InteropServices;
using Kiln.Config;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln;

/// <summary>
/// MMEngine's <c>env_cfg</c> (runner.py: setup_env), as far as it means anything in one .NET process:
/// <list type="bullet">
/// <item><c>num_threads</c> / <c>num_interop_threads</c> (Kiln's additions): libtorch's intra- and inter-op thread
/// pools (<c>torch.set_num_threads</c>); unset keeps libtorch's default (one per core).</item>
/// <item><c>cudnn_benchmark</c>: <c>torch.backends.cudnn.benchmark</c>, set through libtorch's global context
/// (<see cref="LibTorchContext"/>); with <c>randomness.deterministic=True</c> it stays off, as MMEngine warns.</item>
/// <item><c>mp_cfg</c> (<c>mp_start_method</c>, <c>opencv_num_threads</c>): Python multiprocessing and OpenCV settings;
/// Kiln loads data with threads, so they have no effect and are accepted for config compatibility.</item>
/// <item><c>dist_cfg</c>: in a distributed run the Runner logs what MPI does not apply (backend, timeout);
/// <c>resource_limit</c>: accepted (no file-descriptor limit to raise for threads).</item>
/// </list>
/// Any other key is an error naming it.
/// </summary>
internal sealed record EnvSettings(int? NumThreads, int? NumInteropThreads, bool CudnnBenchmark)
{
    private static readonly string[] Known = ["num_threads", "num_interop_threads", "cudnn_benchmark", "mp_cfg", "dist_cfg", "resource_limit"];

    public static EnvSettings From(object? value)
    {
        var cfg = value as ConfigDict ?? (value is null ? new ConfigDict()
            : throw new KilnException($"env_cfg = {ConfigFormatter.Format(value)} must be a dict like dict(cudnn_benchmark=False)."));
        foreach (var key in cfg.Keys)
            if (!Known.Contains(key))
                throw new KilnException($"env_cfg.{key} is not an environment option; valid: {string.Join(", ", Known)}.");
        return new EnvSettings(Threads(cfg, "num_threads"), Threads(cfg, "num_interop_threads"), cfg.Get("cudnn_benchmark") is true);
    }

    private static int? Threads(ConfigDict cfg, string key) => cfg.Get(key) switch
    {
        null => null,
        long n when n is > 0 and <= 4096 => (int)n,
        var v => throw new KilnException($"env_cfg.{key} = {ConfigFormatter.Format(v)} must be a positive integer."),
    };

    /// <summary>Applies the thread counts and the cuDNN benchmark switch; logs what cannot be applied.</summary>
    public void Apply(ILogger logger, bool deterministic)
    {
        if (NumThreads is { } n) torch.set_num_threads(n);
        // libtorch allows setting the inter-op pool once per process, before any parallel work; a second run in the
        // same process keeps the first setting.
        if (NumInteropThreads is { } m && torch.get_num_interop_threads() != m)
        {
            try { torch.set_num_interop_threads(m); }
            catch (Exception e) when (e is ExternalException or InvalidOperationException)
            {
                logger.LogWarning("env_cfg.num_interop_threads={Threads} not applied: {Reason}", m, e.Message);
            }
        }
        if (CudnnBenchmark && deterministic)
            logger.LogWarning("env_cfg.cudnn_benchmark=True is turned off: randomness.deterministic=True needs cudnn.benchmark=False.");
        else if (LibTorchContext.IsAvailable)
            LibTorchContext.SetBenchmarkCuDNN(CudnnBenchmark);
        else if (CudnnBenchmark)
            logger.LogWarning("env_cfg.cudnn_benchmark=True is not applied: this libtorch does not export at::Context::setBenchmarkCuDNN under the name Kiln calls.");
    }
}
