using Kiln.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// <see cref="BaseModule"/> for a layer with TorchSharp's typed forward (<c>Module&lt;Tensor, Tensor&gt;</c>), so it
/// chains in <c>nn.Sequential</c>: backbones, necks and heads.
/// </summary>
public abstract class BaseModule<T, TResult> : nn.Module<T, TResult>, IBaseModule
{
    private readonly object? _initCfgValue;

    protected BaseModule(string name, object? initCfg = null) : base(name)
    {
        InitCfg = WeightInit.WeightInitializers.Normalize(initCfg, GetType().Name);
        _initCfgValue = initCfg;
    }

    public IReadOnlyList<ConfigDict>? InitCfg { get; }

    public bool IsInit { get; set; }

    public virtual void InitWeights() => InitWeightsRun.Run(this, this, _initCfgValue);
}
