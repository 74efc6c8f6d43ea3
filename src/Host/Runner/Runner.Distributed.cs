using System.Globalization;
using Kiln.Config;
using Kiln.Distributed;
using Kiln.Logging;
using Kiln.Models;
using Kiln.Registry;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln;

/// <summary>What the Runner does differently when several processes train together (issue 14, DIST-05, LOG-13).</summary>
public partial class Runner
{
    /// <summary>MMEngine: <c>timestamp = broadcast(torch.tensor(time.time()))</c>, so every rank names the same log dir.</summary>
    private static DateTime SyncedNow()
    {
        var now = DateTime.Now;
        if (!Dist.IsDistributed) return now;
        using var scope = torch.NewDisposeScope();
        var ticks = torch.tensor(new[] { now.Ticks });
        Dist.Current.Broadcast(ticks, 0);
        return new DateTime(ticks.data<long>()[0], DateTimeKind.Local);
    }

    /// <summary>
    /// MMEngine's <c>MMLogger</c> across ranks (LOG-13): rank 0 logs to the console at the run's level and writes
    /// <c>&lt;timestamp&gt;.log</c>; other ranks print only ERROR and above and write no file. With
    /// <c>log_level='DEBUG'</c> in a distributed run, every rank writes its own
    /// <c>&lt;timestamp&gt;_&lt;host&gt;_device&lt;local rank&gt;_rank&lt;rank&gt;.log</c> in the log dir.
    /// </summary>
    private IDisposable AttachLogFile(MMLoggerProvider provider)
    {
        var group = Dist.Current;
        provider.ConsoleMinimumLevel = group.Rank == 0 ? LogLevel.Trace : LogLevel.Error;
        bool perRank = group.WorldSize > 1 && provider.MinimumLevel <= LogLevel.Debug;
        if (perRank)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"{Timestamp}_{Environment.MachineName}_device{group.LocalRank}_rank{group.Rank}.log");
            return provider.AttachFile(Path.Combine(LogDir, name));
        }
        return group.Rank == 0 ? provider.AttachFile(Path.Combine(LogDir, Timestamp + ".log")) : NoFile.Instance;
    }

    /// <summary>
    /// MMEngine's <c>wrap_model</c>: in a distributed run, <c>model_wrapper_cfg</c> (type defaulting to
    /// <c>MMDistributedDataParallel</c>, given the model as <c>module</c>) or, without it,
    /// <c>MMDistributedDataParallel(broadcast_buffers=False, find_unused_parameters=cfg.find_unused_parameters)</c>.
    /// In one process the model is used as it is and <c>model_wrapper_cfg</c> does not apply (logged).
    /// </summary>
    private IModelWrapper? WrapModel(object? wrapperCfg)
    {
        if (!IsDistributed)
        {
            if (wrapperCfg is not null)
                Logger.LogInformation("model_wrapper_cfg is used in distributed runs only (launcher != 'none'); this run trains the model unwrapped in one process.");
            return null;
        }
        if (wrapperCfg is null)
            return new MMDistributedDataParallel(Model, broadcastBuffers: false, findUnusedParameters: Cfg.Get("find_unused_parameters") is true);
        var cfg = wrapperCfg as ConfigDict ?? throw new KilnException(
            $"model_wrapper_cfg = {ConfigFormatter.Format(wrapperCfg)} must be a dict like dict(type='MMDistributedDataParallel', find_unused_parameters=True).");
        return Build<IModelWrapper>(Registries.ModelWrappers, WithDefaultType(cfg, nameof(MMDistributedDataParallel)), "model_wrapper_cfg",
            new Dictionary<string, object?> { ["module"] = Model });
    }

    /// <summary>
    /// <c>env_cfg.dist_cfg</c> (DIST-01): in a distributed run, says what of it Kiln's MPI transport does not apply
    /// (<c>backend</c> other than 'mpi', <c>timeout</c>); OpenMMLab configs set <c>backend='nccl'</c> by default.
    /// </summary>
    private void LogDistCfg(object? envCfg)
    {
        if (!IsDistributed || (envCfg as ConfigDict)?.Get("dist_cfg") is not ConfigDict dist) return;
        if (dist.Get("backend") is string backend && backend != "mpi")
            Logger.LogInformation("env_cfg.dist_cfg.backend='{Backend}' is not used: Kiln's ranks communicate over MPI (NCCL is designed in docs/distributed.md, not built).", backend);
        if (dist.Get("timeout") is { } timeout)
            Logger.LogInformation("env_cfg.dist_cfg.timeout={Timeout} is not applied: MPI collectives have no timeout; a rank that dies ends the job through mpirun, and a failing rank calls MPI_Abort.", ConfigFormatter.Format(timeout));
    }

    private sealed class NoFile : IDisposable
    {
        public static readonly NoFile Instance = new();

        public void Dispose()
        {
        }
    }
}
