using Kiln.Registry;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>PretrainedInit</c> (<c>type='Pretrained'</c>): loads a checkpoint file into the module,
/// non-strictly. With <c>prefix</c> (<c>'backbone.'</c>) only the keys starting with it are loaded, with the prefix
/// removed; without it a leading <c>module.</c> (a DDP checkpoint) is stripped. Local files only (PyTorch zip or
/// safetensors); MMEngine's <c>torchvision://</c>, <c>open-mmlab://</c> and URL schemes are not read.
/// </summary>
[Register(Registries.WeightInitializers, "Pretrained")]
public sealed class PretrainedInit(string checkpoint, string? prefix = null, string mapLocation = "cpu") : IWeightInitializer
{
    public string Checkpoint { get; } = checkpoint;

    public string? Prefix { get; } = prefix;

    public string MapLocation { get; } = mapLocation;

    public bool WholeModule { get; set; }

    public string InitInfo => $"{nameof(PretrainedInit)}: load from {Checkpoint}";

    public void Apply(nn.Module module)
    {
        if (Checkpoint.Contains("://", StringComparison.Ordinal))
            throw new KilnException($"Pretrained: checkpoint '{Checkpoint}' is a URL or scheme; Kiln loads local files only (a PyTorch .pth or a .safetensors path).");
        var reader = ICheckpointReader.Current
            ?? throw new KilnException("Pretrained: no checkpoint reader is installed; it comes with the kiln host (reference the kiln assembly or run under the kiln CLI).");
        var logger = BaseModule.InitLogger;
        using var scope = NewDisposeScope();
        var all = reader.ReadStateDict(Checkpoint, device(MapLocation));
        Dictionary<string, Tensor> stateDict;
        if (Prefix is null)
        {
            logger.LogInformation("load model from: {Checkpoint}", Checkpoint);
            stateDict = all.ToDictionary(kv => kv.Key.StartsWith("module.", StringComparison.Ordinal) ? kv.Key["module.".Length..] : kv.Key, kv => kv.Value);
        }
        else
        {
            logger.LogInformation("load {Prefix} in model from: {Checkpoint}", Prefix, Checkpoint);
            stateDict = all.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[Prefix.Length..], kv => kv.Value);
            if (stateDict.Count == 0)
                throw new KilnException($"Pretrained: {Prefix} is not in the pretrained model {Checkpoint} (its keys start with: "
                    + string.Join(", ", all.Keys.Select(k => k.Split('.')[0] + ".").Distinct().Take(10)) + ").");
        }
        if (reader.LoadInto(module, stateDict, Checkpoint) is { } warning) logger.LogWarning("{Message}", warning);
        ParamsInitInfo.Update(module, InitInfo);
    }
}
