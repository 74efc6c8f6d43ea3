using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// One weight initializer (MMEngine's <c>WEIGHT_INITIALIZERS</c> entries): applied to a module, it initialises the
/// layers it selects and records <see cref="InitInfo"/> for the parameters it changed.
/// </summary>
public interface IWeightInitializer
{
    /// <summary>Initialise the whole module tree, not just the layers named in <c>layer</c> (an <c>override</c> entry).</summary>
    bool WholeModule { get; set; }

    /// <summary>What the init-info log says for parameters this initializer changed (MMEngine's <c>_get_init_info</c>).</summary>
    string InitInfo { get; }

    /// <summary>Initialise <paramref name="module"/> (MMEngine's <c>__call__</c>).</summary>
    void Apply(nn.Module module);
}
