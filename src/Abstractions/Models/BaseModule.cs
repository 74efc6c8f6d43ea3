using Kiln.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseModule</c>: a module whose weights are set by <c>init_cfg</c> when <see cref="InitWeights"/>
/// runs (the Runner calls it on the model before loading a checkpoint). Subclass it for modules with any forward
/// signature; layers that chain in <c>nn.Sequential</c> subclass <see cref="BaseModule{T, TResult}"/>.
/// </summary>
public abstract class BaseModule : nn.Module, IBaseModule
{
    private static readonly AsyncLocal<ILogger?> CurrentLogger = new();

    /// <param name="name">The module's name (TorchSharp's).</param>
    /// <param name="initCfg">A dict or a list of dicts (see <see cref="WeightInit.WeightInitializers"/>), or null.</param>
    protected BaseModule(string name, object? initCfg = null) : base(name)
    {
        InitCfg = WeightInit.WeightInitializers.Normalize(initCfg, GetType().Name);
        InitCfgValue = initCfg;
    }

    public IReadOnlyList<ConfigDict>? InitCfg { get; }

    /// <summary>The init_cfg as given (a dict or a list), for messages.</summary>
    internal object? InitCfgValue { get; }

    public bool IsInit { get; set; }

    /// <summary>Where <see cref="InitWeights"/> logs (MMEngine's <c>logger='current'</c>); a null logger unless <see cref="UseInitLogger"/> set one.</summary>
    public static ILogger InitLogger => CurrentLogger.Value ?? NullLogger.Instance;

    /// <summary>Sends this async flow's init-weights messages to <paramref name="logger"/> until disposed (the Runner uses its logger).</summary>
    public static IDisposable UseInitLogger(ILogger logger)
    {
        var previous = CurrentLogger.Value;
        CurrentLogger.Value = logger;
        return new Restore(() => CurrentLogger.Value = previous);
    }

    public virtual void InitWeights() => InitWeightsRun.Run(this, this, InitCfgValue);

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
