using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// The seam <see cref="PretrainedInit"/> loads checkpoints through: the host's checkpoint reader (PyTorch zip and
/// safetensors) installs itself in <see cref="Current"/> when the host assembly loads, so plugins need not
/// reference it.
/// </summary>
public interface ICheckpointReader
{
    /// <summary>The checkpoint installed by the host, or null when only Kiln.Abstractions is loaded.</summary>
    static ICheckpointReader? Current { get; set; }

    /// <summary>
    /// The checkpoint's tensors by name: its <c>state_dict</c> entry when there is one, else its <c>model</c> entry,
    /// else the whole file (MMEngine's <c>_load_checkpoint_to_model</c> and <c>_load_checkpoint_with_prefix</c>),
    /// on <paramref name="mapLocation"/>. The caller owns the tensors.
    /// </summary>
    IReadOnlyDictionary<string, Tensor> ReadStateDict(string path, Device mapLocation);

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="module"/> non-strictly (MMEngine's
    /// <c>load_state_dict(strict=False)</c>); returns the missing/unexpected/mismatched-keys message, or null.
    /// </summary>
    string? LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string source);
}
