using Kiln.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>CKPT-01, CKPT-02: module weights to a checkpoint value and back, with MMEngine's mismatch report.</summary>
public class StateDictConverterTests
{
    // CKPT-02
    [Fact]
    public void ToCheckpointValue_ThenSaveLoadInto_RestoresWeights()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var source = nn.Sequential(("fc", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));
        var path = folder.File("model.pth");

        var value = StateDictConverter.ToCheckpointValue(source);
        CheckpointFile.Save(path, new PyDict { ["state_dict"] = value });
        var loaded = (PyDict)CheckpointFile.Load(path)!;
        var target = nn.Sequential(("fc", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));
        var result = StateDictConverter.LoadInto(target, (PyDict)loaded["state_dict"]!, strict: true, path);

        Assert.True(result.IsExact);
        Assert.Null(result.FormatMessage());
        foreach (var (name, tensor) in source.state_dict())
        {
            Assert.True(tensor.equal(target.state_dict()[name]).all().item<bool>(), name);
        }

        Assert.IsType<PyOrderedDict>(value);
        Assert.Contains("bn.num_batches_tracked", value.Keys);
    }

    // CKPT-01: strict=False reports as MMEngine's load_state_dict logs; mismatched shapes are not copied.
    [Fact]
    public void LoadInto_MismatchedKeys_ReportsMMEngineMessage()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));
        var before = model.state_dict()["fc.weight"].clone();
        var stateDict = new PyOrderedDict { ["fc.weight"] = zeros(5, 5), ["fc.bias"] = ones(2), ["head.w"] = ones(1) };

        var result = StateDictConverter.LoadInto(model, stateDict, strict: false, "ckpt.pth");

        Assert.Equal(new[] { "head.w" }, result.UnexpectedKeys);
        Assert.Contains("bn.num_batches_tracked", result.MissingKeys);
        Assert.Equal(
            "The model and loaded state dict do not match exactly\n\n"
            + "size mismatch for fc.weight: copying a param with shape torch.Size([5, 5]) from checkpoint, the shape in current model is torch.Size([2, 3]).\n"
            + "unexpected key in source state_dict: head.w\n\n"
            + "missing keys in source state_dict: bn.weight, bn.bias, bn.running_mean, bn.running_var\n",
            result.FormatMessage());
        Assert.True(model.state_dict()["fc.weight"].equal(before).all().item<bool>());
        Assert.Equal(new float[] { 1, 1 }, model.state_dict()["fc.bias"].data<float>().ToArray());

        var error = Assert.Throws<KilnException>(() => StateDictConverter.LoadInto(model, stateDict, strict: true, "ckpt.pth"));
        Assert.StartsWith("cannot load ckpt.pth into the model: The model and loaded state dict do not match exactly", error.Message);
    }
}
