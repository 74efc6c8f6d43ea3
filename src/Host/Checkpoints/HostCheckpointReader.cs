using System.Runtime.CompilerServices;
using Kiln.Models.WeightInit;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// The host's side of <see cref="ICheckpointReader"/>: <c>Pretrained</c> initializers in plugins read checkpoints
/// with <see cref="CheckpointFile.Load"/> and load them with <see cref="StateDictConverter.LoadInto"/>, the same
/// code as <c>load_from</c>. Installed when the kiln assembly loads.
/// </summary>
internal sealed class HostCheckpointReader : ICheckpointReader
{
#pragma warning disable CA2255 // kiln is the application; the seam must be in place before any plugin initialises weights.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install() => ICheckpointReader.Current ??= new HostCheckpointReader();

    public IReadOnlyDictionary<string, Tensor> ReadStateDict(string path, Device mapLocation)
    {
        var loaded = CheckpointFile.Load(path);
        if (loaded is not PyDict checkpoint)
            throw new KilnException($"{path} holds a {loaded?.GetType().Name ?? "None"}, not a dict of tensors, so it cannot initialise weights.");
        var stateDict = checkpoint.TryGetValue("state_dict", out var sd) && sd is PyDict d ? d
            : checkpoint.TryGetValue("model", out var m) && m is PyDict md ? md
            : checkpoint;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in stateDict)
            if (key is string name && value is Tensor t) result[name] = mapLocation.type == DeviceType.CPU ? t : t.to(mapLocation);
        return result;
    }

    public string? LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var dict = new PyDict();
        foreach (var (key, value) in stateDict) dict[key] = value;
        return StateDictConverter.LoadInto(module, dict, strict: false, source).FormatMessage();
    }
}
