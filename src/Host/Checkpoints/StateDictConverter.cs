using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>Moves weights between TorchSharp modules and checkpoint values.</summary>
internal static class StateDictConverter
{
    /// <summary>
    /// A module's <c>state_dict()</c> as a checkpoint value: an OrderedDict of detached CPU tensors, as MMEngine's
    /// <c>weights_to_cpu(model.state_dict())</c>. CPU weights are shared, not copied (<c>.cpu()</c> is a no-op
    /// there too); save the result before training on, and dispose it with <see cref="CheckpointValue.DisposeTensors"/>.
    /// </summary>
    public static PyOrderedDict ToCheckpointValue(nn.Module module)
    {
        var result = new PyOrderedDict();
        foreach (var (name, tensor) in module.state_dict())
        {
            var detached = tensor.detach();
            var cpu = detached.cpu();
            if (!ReferenceEquals(cpu, detached))
            {
                detached.Dispose();
            }

            result[name] = cpu;
        }

        return result;
    }

    /// <summary>
    /// Copies a checkpoint's tensors into a module's parameters and buffers (converting dtype and device, as
    /// <c>Tensor.copy_</c> does in PyTorch's <c>_load_from_state_dict</c>). Keys with mismatched shapes are skipped.
    /// With <paramref name="strict"/>, any missing, unexpected or mismatched key throws MMEngine's message;
    /// otherwise the caller logs <see cref="LoadStateDictResult.FormatMessage"/> as a warning.
    /// </summary>
    public static LoadStateDictResult LoadInto(nn.Module module, PyDict stateDict, bool strict, string source)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
        var unexpected = new List<string>();
        var mismatches = new List<string>();
        using (no_grad())
        {
            foreach (var (key, value) in stateDict)
            {
                if (key is not string name || !target.TryGetValue(name, out var param))
                {
                    unexpected.Add(key.ToString() ?? "");
                    continue;
                }

                if (value is not Tensor src)
                {
                    mismatches.Add($"size mismatch for {name}: the checkpoint holds a {value?.GetType().Name ?? "None"}, not a tensor.");
                    continue;
                }

                if (!src.shape.SequenceEqual(param.shape))
                {
                    mismatches.Add($"size mismatch for {name}: copying a param with shape {Shape(src)} from checkpoint, "
                        + $"the shape in current model is {Shape(param)}.");
                    continue;
                }

                param.copy_(src);
            }
        }

        var result = new LoadStateDictResult(missing, unexpected, mismatches);
        if (strict && result.FormatMessage() is { } message)
        {
            throw new KilnException($"cannot load {source} into the model: {message}");
        }

        return result;
    }

    // PyTorch prints torch.Size([2, 3]).
    private static string Shape(Tensor t) => $"torch.Size([{string.Join(", ", t.shape)}])";
}
