using Kiln.Config;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseModule</c> contract: a module with an <c>init_cfg</c> and an <c>init_weights()</c> that
/// its parent calls once. <see cref="BaseModule"/> (any forward signature) and <see cref="BaseModule{T, TResult}"/>
/// (a layer that chains in <c>nn.Sequential</c>) implement it with the same logic.
/// </summary>
public interface IBaseModule
{
    /// <summary>The initialisation config: null or a list of dicts (<c>type</c> plus initializer arguments).</summary>
    IReadOnlyList<ConfigDict>? InitCfg { get; }

    /// <summary>Whether <see cref="InitWeights"/> has run (a second call only warns).</summary>
    bool IsInit { get; set; }

    /// <summary>Initialises the weights from <see cref="InitCfg"/> and the children's own <c>InitWeights</c>.</summary>
    void InitWeights();
}
