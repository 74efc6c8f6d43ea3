namespace Kiln.Checkpoints;

/// <summary>The file formats <see cref="CheckpointFile"/> reads and writes.</summary>
public enum CheckpointFormat
{
    /// <summary>
    /// Chosen from the file: on save, <see cref="Safetensors"/> for a <c>.safetensors</c> extension and
    /// <see cref="PyTorch"/> otherwise; on load, from the first bytes (a zip is PyTorch's).
    /// </summary>
    Auto,

    /// <summary>PyTorch's zip format, as <c>torch.save</c> writes since PyTorch 1.6 (<c>.pth</c>, <c>.pt</c>).</summary>
    PyTorch,

    /// <summary>Hugging Face safetensors: a flat dict of named tensors plus string metadata.</summary>
    Safetensors,
}
