using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Host.Tests.Structures;

/// <summary>MOD-18: MMEngine's data elements, after tests/test_structures (test_data_element.py, test_instance_data.py, test_label_data.py, test_pixel_data.py).</summary>
public sealed class DataElementTests
{
    private static Dictionary<string, object?> D(params (string K, object? V)[] items) => items.ToDictionary(i => i.K, i => i.V);

    [Fact]
    public void BaseDataElement_KeepsMetainfoAndDataApart()
    {
        using var scope = NewDisposeScope();
        var element = new BaseDataElement(D(("img_id", 0L), ("img_shape", new long[] { 4, 4 })), D(("bboxes", rand(4, 4)), ("scores", rand(4))));
        Assert.Equal(["bboxes", "scores"], element.Keys());
        Assert.Equal(["img_id", "img_shape"], element.MetainfoKeys());
        Assert.Equal(["img_id", "img_shape", "bboxes", "scores"], element.AllKeys());
        Assert.True(element.Contains("img_id") && element.Contains("bboxes") && !element.Contains("labels"));
        Assert.Equal(0L, element.Get<long>("img_id"));
        Assert.Null(element.Get("labels"));

        var e = Assert.Throws<KilnException>(() => element.Set("img_id", 1L));
        Assert.Equal("Cannot set img_id to be a field of data because img_id is already a metainfo field", e.Message);
        e = Assert.Throws<KilnException>(() => element.SetMetainfo(D(("bboxes", 1L))));
        Assert.Equal("Cannot set bboxes to be a field of metainfo because bboxes is already a data field", e.Message);

        Assert.NotNull(element.Pop("scores"));
        Assert.Equal(["bboxes"], element.Keys());
        Assert.Equal("absent", element.Pop("scores", "absent"));
    }

    [Fact]
    public void New_And_Clone_CopyMetainfoAndData()
    {
        using var scope = NewDisposeScope();
        var element = new BaseDataElement(D(("img_id", 1L)), D(("scores", rand(3))));
        var fresh = element.New(D(("img_id", 2L)), D(("labels", zeros(3))));
        Assert.Equal(2L, fresh.Get<long>("img_id"));
        Assert.Equal(["labels"], fresh.Keys());
        var clone = element.Clone();
        Assert.Same(element["scores"], clone["scores"]);
        Assert.Equal(1L, clone.Get<long>("img_id"));
        var detached = element.Detach();
        Assert.False(((Tensor)detached["scores"]!).requires_grad);
        Assert.Equal(DeviceType.CPU, ((Tensor)element.Cpu()["scores"]!).device_type);
    }

    [Fact]
    public void InstanceData_ChecksLengthsAndIndexes()
    {
        using var scope = NewDisposeScope();
        var instances = new InstanceData(D(("img_shape", new long[] { 8, 8 })), D(("bboxes", arange(8).view(4, 2)), ("labels", new long[] { 0, 1, 2, 3 }), ("names", new List<object?> { "a", "b", "c", "d" })));
        Assert.Equal(4, instances.Length);

        var e = Assert.Throws<KilnException>(() => instances.Set("scores", rand(3)));
        Assert.StartsWith("The length of values 3 is not consistent with the length of this :obj:`InstanceData` 4", e.Message);

        var last = instances[-1];
        Assert.Equal(1, last.Length);
        Assert.Equal(new long[] { 3 }, last.Get<long[]>("labels"));
        Assert.Equal(new long[] { 8, 8 }, last.Get<long[]>("img_shape"));

        var middle = instances[1..3];
        Assert.Equal(new long[] { 1, 2 }, middle.Get<long[]>("labels"));
        Assert.Equal(new List<object?> { "b", "c" }, middle.Get<List<object?>>("names"));

        var masked = instances[tensor(new[] { true, false, true, false })];
        Assert.Equal(new long[] { 0, 2 }, masked.Get<long[]>("labels"));
        Assert.Equal(new long[] { 0, 1, 4, 5 }, masked.Get<Tensor>("bboxes").flatten().data<long>().ToArray());

        var picked = instances[tensor(new long[] { 3, 0 })];
        Assert.Equal(new long[] { 3, 0 }, picked.Get<long[]>("labels"));

        Assert.Throws<IndexOutOfRangeException>(() => instances[4]);
        e = Assert.Throws<KilnException>(() => instances[tensor(new[] { true, false })]);
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void InstanceData_Cat_JoinsEveryField()
    {
        using var scope = NewDisposeScope();
        var a = new InstanceData(null, D(("scores", rand(2)), ("labels", new long[] { 1, 2 })));
        var b = new InstanceData(null, D(("scores", rand(3)), ("labels", new long[] { 3, 4, 5 })));
        var joined = InstanceData.Cat([a, b]);
        Assert.Equal(5, joined.Length);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, joined.Get<long[]>("labels"));
        var c = new InstanceData(null, D(("scores", rand(1))));
        Assert.Throws<KilnException>(() => InstanceData.Cat([a, c]));
    }

    [Fact]
    public void LabelData_OnehotRoundTrip()
    {
        using var scope = NewDisposeScope();
        var onehot = LabelData.LabelToOnehot(tensor(new long[] { 1, 3 }), 5);
        Assert.Equal(new long[] { 0, 1, 0, 1, 0 }, onehot.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 3 }, LabelData.OnehotToLabel(onehot).data<long>().ToArray());
        Assert.Throws<KilnException>(() => LabelData.LabelToOnehot(tensor(new long[] { 5 }), 5));
        Assert.Throws<KilnException>(() => LabelData.OnehotToLabel(tensor(new long[] { 0, 2 })));
    }

    [Fact]
    public void PixelData_NeedsTwoOrThreeDimsAndOneHeightWidth()
    {
        using var scope = NewDisposeScope();
        var pixels = new PixelData(D(("img_id", 0L)), D(("gt_sem_seg", zeros(20, 40))));
        Assert.Equal(new long[] { 1, 20, 40 }, pixels.Get<Tensor>("gt_sem_seg").shape);   // H×W gets a channel dim
        Assert.Equal((20L, 40L), pixels.Shape);
        pixels.Set("heatmap", zeros(3, 20, 40));
        var e = Assert.Throws<KilnException>(() => pixels.Set("bad", zeros(3, 10, 40)));
        Assert.StartsWith("The height and width of values (10, 40) are not consistent with the shape of this :obj:`PixelData` (20, 40)", e.Message);
        e = Assert.Throws<KilnException>(() => pixels.Set("bad", zeros(4)));
        Assert.StartsWith("The dim of value must be 2 or 3, but got 1", e.Message);
        var crop = pixels[2..10, 5..15];
        Assert.Equal(new long[] { 3, 8, 10 }, crop.Get<Tensor>("heatmap").shape);
    }
}
