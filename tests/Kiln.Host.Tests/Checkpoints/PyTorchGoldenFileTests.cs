using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>
/// CKPT-06: files written by real <c>torch.save</c> (PyTorch 1.13.1, Fixtures/make_fixtures.py, run by hand) load
/// with exact values.
/// </summary>
public class PyTorchGoldenFileTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);

    private static float[] Floats(object? t) => ((Tensor)t!).to(ScalarType.Float32).data<float>().ToArray();

    // CKPT-06
    [Fact]
    public void Load_TorchStateDict_GivesOrderedDictWithMetadataAndValues()
    {
        var sd = Assert.IsType<PyOrderedDict>(CheckpointFile.Load(Fixture("state_dict.pth")));
        try
        {
            Assert.Equal(new object[] { "0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias",
                "3.running_mean", "3.running_var", "3.num_batches_tracked" }, sd.Keys);
            // make_fixtures.py fills entry i with arange(numel) * 0.5 + i.
            Assert.Equal(new long[] { 2, 1, 2, 2 }, ((Tensor)sd["0.weight"]!).shape);
            Assert.Equal(new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f }, Floats(sd["0.weight"]));
            Assert.Equal(new float[] { 2, 2.5f, 3, 3.5f, 4, 4.5f }, Floats(sd["2.weight"]));
            Assert.Equal(new float[] { 7, 7.5f, 8 }, Floats(sd["3.running_var"]));
            var tracked = (Tensor)sd["3.num_batches_tracked"]!;
            Assert.Equal(ScalarType.Int64, tracked.dtype);
            Assert.Empty(tracked.shape);
            Assert.Equal(0L, tracked.item<long>());
            var metadata = Assert.IsType<PyOrderedDict>(sd.Attributes!["_metadata"]);
            Assert.Equal(2L, ((PyDict)metadata["3"]!)["version"]);
        }
        finally
        {
            CheckpointValue.DisposeTensors(sd);
        }
    }

    // CKPT-02, CKPT-06: an MMEngine-shaped checkpoint with int-keyed optimizer state.
    [Fact]
    public void Load_MMEngineShapedCheckpoint_GivesMetaOptimizerAndSchedulers()
    {
        var ckpt = Assert.IsType<PyDict>(CheckpointFile.Load(Fixture("mmengine_checkpoint.pth")));
        try
        {
            var meta = Assert.IsType<PyDict>(ckpt["meta"]);
            Assert.Equal(3L, meta["epoch"]);
            Assert.Equal(120L, meta["iter"]);
            Assert.Equal((1L << 32) + 7, meta["seed"]); // LONG1
            Assert.Equal("model = dict(type='Toy')\n", meta["cfg"]);
            Assert.Null(meta["dataset_meta"]);

            var stateDict = Assert.IsType<PyOrderedDict>(ckpt["state_dict"]);
            // [1, -2] after one SGD step: w - lr * momentum_buffer.
            var weight = Floats(stateDict["weight"]);
            Assert.Equal(0.89999f, weight[0], 5);
            Assert.Equal(-2.09998f, weight[1], 5);

            var optimizer = Assert.IsType<PyDict>(ckpt["optimizer"]);
            var state = Assert.IsType<PyDict>(optimizer["state"]);
            Assert.Equal(new object[] { 0L, 1L }, state.Keys);
            // momentum_buffer = grad + weight_decay * w = [1, 1] + 1e-4 * [1, -2] after one SGD step.
            var buffer = Floats(((PyDict)state[0]!)["momentum_buffer"]);
            Assert.Equal(1.0001f, buffer[0], 6);
            Assert.Equal(0.9998f, buffer[1], 6);
            var group = Assert.IsType<PyDict>(Assert.Single(Assert.IsType<List<object?>>(optimizer["param_groups"])));
            Assert.Equal(0.1, group["lr"]);
            Assert.Equal(0L, group["dampening"]);
            Assert.Equal(false, group["nesterov"]);
            Assert.Null(group["foreach"]);
            Assert.Equal(new List<object?> { 0L, 1L }, group["params"]);

            var scheduler = Assert.IsType<PyDict>(Assert.Single(Assert.IsType<List<object?>>(ckpt["param_schedulers"])));
            var milestones = Assert.IsType<PyDict>(scheduler["milestones"]); // collections.Counter
            Assert.Equal(1L, milestones[2]);
            Assert.Equal(new List<object?> { 0.1 }, scheduler["base_values"]);

            Assert.Equal(-5L, ckpt["negative"]);
            Assert.Equal(-(1L << 40), ckpt["big_negative"]);
            Assert.Equal(new object?[] { true, false, null }, ckpt["flags"]);
            Assert.Empty(Assert.IsType<List<object?>>(ckpt["empty"]));
        }
        finally
        {
            CheckpointValue.DisposeTensors(ckpt);
        }
    }

    // CKPT-06: every dtype, plus views sharing one storage at an offset and with transposed strides.
    [Fact]
    public void Load_EveryDTypeAndSharedStorages_GivesExactValues()
    {
        var d = Assert.IsType<PyDict>(CheckpointFile.Load(Fixture("dtypes.pth")));
        try
        {
            Assert.Equal(new float[] { 1.5f, -2.25f, 3 }, ((Tensor)d["f32"]!).data<float>().ToArray());
            Assert.Equal(new[] { 1e-300, -0.1 }, ((Tensor)d["f64"]!).data<double>().ToArray());
            Assert.Equal(ScalarType.Float16, ((Tensor)d["f16"]!).dtype);
            Assert.Equal(new float[] { 0.5f, -65504, 1 }, Floats(d["f16"]));
            Assert.Equal(ScalarType.BFloat16, ((Tensor)d["bf16"]!).dtype);
            Assert.Equal(new float[] { 1, -3, 0.0078125f }, Floats(d["bf16"]));
            Assert.Equal(new sbyte[] { -128, 127 }, ((Tensor)d["i8"]!).data<sbyte>().ToArray());
            Assert.Equal(new short[] { short.MinValue, short.MaxValue }, ((Tensor)d["i16"]!).data<short>().ToArray());
            Assert.Equal(new[] { int.MinValue, int.MaxValue }, ((Tensor)d["i32"]!).data<int>().ToArray());
            Assert.Equal(new[] { long.MinValue, long.MaxValue }, ((Tensor)d["i64"]!).data<long>().ToArray());
            Assert.Equal(new byte[] { 0, 255 }, ((Tensor)d["u8"]!).data<byte>().ToArray());
            Assert.Equal(new[] { true, false, true }, ((Tensor)d["bool"]!).data<bool>().ToArray());
            var c64 = (Tensor)d["c64"]!;
            Assert.Equal(ScalarType.ComplexFloat32, c64.dtype);
            Assert.Equal(new float[] { 1, 2, 0, -3 }, c64.view_as_real().data<float>().ToArray());
            var c128 = (Tensor)d["c128"]!;
            Assert.Equal(new[] { 0.5, -1 }, c128.view_as_real().data<double>().ToArray());
            Assert.Equal(7f, ((Tensor)d["scalar"]!).item<float>());
            Assert.Equal(new long[] { 0, 3 }, ((Tensor)d["empty"]!).shape);

            var view = (Tensor)d["view"]!;
            Assert.Equal(4, view.storage_offset());
            Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9 }, view.contiguous().data<float>().ToArray());
            var transposed = (Tensor)d["transposed"]!;
            Assert.Equal(new long[] { 1, 4 }, transposed.stride());
            Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, transposed.contiguous().data<float>().ToArray());

            // The three share one storage, as in Python: writing through one shows in the others.
            using (no_grad())
            {
                ((Tensor)d["base"]!)[5] = tensor(100f);
            }

            Assert.Equal(100f, view[0, 1].item<float>());
            Assert.Equal(100f, transposed[1, 1].item<float>());
            Assert.Equal(new object?[] { 2L, 3L }, d["size"]); // torch.Size → tuple
        }
        finally
        {
            CheckpointValue.DisposeTensors(d);
        }
    }
}
