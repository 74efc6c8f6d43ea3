using Kiln.Checkpoints;
using Kiln.TestKit;
using static TorchSharp.torch;

namespace Kiln.Tests.Cli;

/// <summary>CKPT-06: <c>kiln checkpoint inspect</c> and <c>kiln checkpoint convert</c>.</summary>
public class CheckpointCommandTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);

    // inspect on the torch.save-made MMEngine-shaped fixture: meta values, tensors as dtype [shape], nested optimizer state.
    [Fact]
    public void Inspect_TorchSavedCheckpoint_ListsMetaKeysDtypesAndShapes()
    {
        var run = CliRun.Invoke("checkpoint", "inspect", Fixture("mmengine_checkpoint.pth"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("PyTorch zip checkpoint, 4 tensors, 6 elements", run.Output);
        Assert.Contains("meta:\n  epoch: 3\n  iter: 120\n  seed: 4294967303\n  experiment_name: 'toy_20240101'\n  cfg: <2 lines> model = dict(type='Toy')\n", run.Output);
        Assert.Contains("state_dict: (OrderedDict)\n  weight: float32 [1, 2]\n  bias: float32 [1]\n", run.Output);
        Assert.Contains("optimizer:\n  state:\n    0:\n      momentum_buffer: float32 [1, 2]\n", run.Output);
        Assert.Contains("flags: (True, False, None)", run.Output);
    }

    // convert .pth → .safetensors → .pth keeps every tensor's dtype, shape and bytes; meta goes to safetensors metadata.
    [Fact]
    public void Convert_PthToSafetensorsAndBack_KeepsTensors()
    {
        using var tmp = new TempDir();
        using var scope = NewDisposeScope();
        var sd = new PyOrderedDict { ["fc.weight"] = arange(6, dtype: ScalarType.Float32).view(2, 3), ["fc.bias"] = tensor(new[] { 0.5, -1 }).to(ScalarType.BFloat16), ["n"] = tensor(4L) };
        CheckpointFile.Save(tmp.Combine("in.pth"), new PyDict { ["meta"] = new PyDict { ["epoch"] = 2L, ["cfg"] = "x = 1" }, ["state_dict"] = sd });

        var toSafe = CliRun.Invoke("checkpoint", "convert", tmp.Combine("in.pth"), tmp.Combine("w.safetensors"));
        Assert.True(toSafe.ExitCode == 0, toSafe.Error);
        Assert.Contains("3 tensors (safetensors)", toSafe.Output);
        Assert.Equal("2", CheckpointFile.LoadSafetensorsMetadata(tmp.Combine("w.safetensors"))["meta.epoch"]);

        var back = CliRun.Invoke("checkpoint", "convert", tmp.Combine("w.safetensors"), tmp.Combine("out.pth"));
        Assert.True(back.ExitCode == 0, back.Error);
        var loaded = Assert.IsType<PyOrderedDict>(CheckpointFile.Load(tmp.Combine("out.pth")));
        Assert.Equal(new object[] { "fc.weight", "fc.bias", "n" }, loaded.Keys);
        foreach (var key in new[] { "fc.weight", "fc.bias", "n" })
        {
            var (a, b) = ((Tensor)sd[key]!, (Tensor)loaded[key]!);
            Assert.Equal(a.dtype, b.dtype);
            Assert.Equal(a.shape, b.shape);
            Assert.True(a.contiguous().bytes.SequenceEqual(b.bytes), key);
        }

        var inspect = CliRun.Invoke("checkpoint", "inspect", tmp.Combine("w.safetensors"));
        Assert.Contains("safetensors, 3 tensors, 9 elements", inspect.Output);
        Assert.Contains("fc.bias: bfloat16 [2]", inspect.Output);
    }

    [Fact]
    public void Inspect_MissingFile_ErrorNamesIt()
    {
        var run = CliRun.Invoke("checkpoint", "inspect", "/nonexistent/x.pth");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/nonexistent/x.pth", run.Error);
        Assert.Contains("does not exist", run.Error);
    }
}
