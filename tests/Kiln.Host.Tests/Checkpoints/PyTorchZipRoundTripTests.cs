using Kiln.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>CKPT-06: every value kind and dtype survives Save then Load in PyTorch's zip format.</summary>
public class PyTorchZipRoundTripTests
{
    public static TheoryData<ScalarType> AllDTypes => new()
    {
        ScalarType.Float32, ScalarType.Float64, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int8,
        ScalarType.Int16, ScalarType.Int32, ScalarType.Int64, ScalarType.Byte, ScalarType.Bool,
        ScalarType.ComplexFloat32, ScalarType.ComplexFloat64,
    };

    // CKPT-06
    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void SaveLoad_EveryDType_KeepsDTypeShapeAndValues(ScalarType dtype)
    {
        // Arrange
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var source = dtype == ScalarType.Bool
            ? arange(6).remainder(2).eq(0).reshape(2, 3)
            : dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64
                ? complex(arange(6, dtype: ScalarType.Float64), arange(6, dtype: ScalarType.Float64) * -1).to(dtype).reshape(2, 3)
                : arange(6).to(dtype).reshape(2, 3);
        var path = folder.File("t.pth");

        // Act
        CheckpointFile.Save(path, new PyDict { ["t"] = source });
        var loaded = (PyDict)CheckpointFile.Load(path)!;

        // Assert
        var t = Assert.IsType<Tensor>(loaded["t"]);
        Assert.Equal(dtype, t.dtype);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.True(t.equal(source).all().item<bool>());
        CheckpointValue.DisposeTensors(loaded);
    }

    // CKPT-06
    [Fact]
    public void SaveLoad_NestedPlainValues_RoundTripExactly()
    {
        // Arrange
        using var folder = new TempFolder();
        var path = folder.File("values.pth");
        var value = new PyDict
        {
            ["str"] = "héllo\nworld",
            ["int"] = 7L,
            ["small_int"] = 42,
            ["neg"] = -1L,
            ["int16"] = 65535L,
            ["int32"] = int.MinValue,
            ["big"] = long.MaxValue,
            ["big_neg"] = long.MinValue,
            ["float"] = 0.1,
            ["nan"] = double.NaN,
            ["true"] = true,
            ["false"] = false,
            ["none"] = null,
            ["list"] = new List<object?> { 1L, "a", new List<object?>(), new object?[] { 2L, null } },
            ["tuple"] = new object?[] { 1L, 2L, 3L, 4L },
            ["empty_tuple"] = Array.Empty<object?>(),
            ["dict"] = new PyDict { [0L] = "zero", ["0"] = "string zero", [true] = 1L, [new object?[] { 1L, "x" }] = 2.5 },
        };

        // Act
        CheckpointFile.Save(path, value);
        var loaded = Assert.IsType<PyDict>(CheckpointFile.Load(path));

        // Assert
        Assert.Equal(value.Keys.Cast<string>(), loaded.Keys.Cast<string>());
        Assert.Equal("héllo\nworld", loaded["str"]);
        Assert.Equal(7L, loaded["int"]);
        Assert.Equal(42L, loaded["small_int"]);
        Assert.Equal(-1L, loaded["neg"]);
        Assert.Equal(65535L, loaded["int16"]);
        Assert.Equal((long)int.MinValue, loaded["int32"]);
        Assert.Equal(long.MaxValue, loaded["big"]);
        Assert.Equal(long.MinValue, loaded["big_neg"]);
        Assert.Equal(0.1, loaded["float"]);
        Assert.True(double.IsNaN((double)loaded["nan"]!));
        Assert.Equal(true, loaded["true"]);
        Assert.Equal(false, loaded["false"]);
        Assert.Null(loaded["none"]);
        var list = Assert.IsType<List<object?>>(loaded["list"]);
        Assert.Equal(1L, list[0]);
        Assert.Equal("a", list[1]);
        Assert.Empty(Assert.IsType<List<object?>>(list[2]));
        Assert.Equal(new object?[] { 2L, null }, Assert.IsType<object?[]>(list[3]));
        Assert.Equal(new object?[] { 1L, 2L, 3L, 4L }, loaded["tuple"]);
        Assert.Empty(Assert.IsType<object?[]>(loaded["empty_tuple"]));
        var dict = Assert.IsType<PyDict>(loaded["dict"]);
        Assert.Equal("zero", dict[0]); // int keys compare by value whatever their CLR type
        Assert.Equal("string zero", dict["0"]);
        Assert.Equal(1L, dict[true]);
        Assert.Equal(2.5, dict[new object?[] { 1L, "x" }]);
    }

    // CKPT-02: a state_dict stays an OrderedDict, with its _metadata attribute.
    [Fact]
    public void SaveLoad_OrderedDictWithAttributes_StaysOrderedDict()
    {
        using var folder = new TempFolder();
        var path = folder.File("sd.pth");
        var metadata = new PyOrderedDict { [""] = new PyDict { ["version"] = 1L } };
        var value = new PyOrderedDict { ["b"] = 1L, ["a"] = 2L };
        value.Attributes = new PyDict { ["_metadata"] = metadata };

        CheckpointFile.Save(path, value);
        var loaded = Assert.IsType<PyOrderedDict>(CheckpointFile.Load(path));

        Assert.Equal(new object[] { "b", "a" }, loaded.Keys);
        var loadedMeta = Assert.IsType<PyOrderedDict>(loaded.Attributes!["_metadata"]);
        Assert.Equal(1L, ((PyDict)loadedMeta[""]!)["version"]);
    }

    // CKPT-06: views are saved as what they show; TorchSharp state_dicts (Dictionary<string, Tensor>) save directly.
    [Fact]
    public void SaveLoad_NonContiguousViewAndTorchSharpDictionary_SavesVisibleValues()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("views.pth");
        var baseTensor = arange(12, dtype: ScalarType.Float32);
        var transposed = baseTensor.view(3, 4).t();
        var scalar = tensor(3.5f);
        var value = new Dictionary<string, Tensor> { ["t"] = transposed, ["s"] = scalar, ["slice"] = baseTensor[4..10] };

        CheckpointFile.Save(path, value);
        var loaded = (PyDict)CheckpointFile.Load(path)!;

        Assert.True(((Tensor)loaded["t"]!).equal(transposed).all().item<bool>());
        Assert.Empty(((Tensor)loaded["s"]!).shape);
        Assert.Equal(3.5f, ((Tensor)loaded["s"]!).item<float>());
        Assert.Equal(new float[] { 4, 5, 6, 7, 8, 9 }, ((Tensor)loaded["slice"]!).data<float>().ToArray());
        CheckpointValue.DisposeTensors(loaded);
    }

    // CKPT-06
    [Fact]
    public void Save_SameValueTwice_WritesIdenticalBytes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var value = new PyOrderedDict { ["w"] = ones(3, 3), ["step"] = 5L };

        CheckpointFile.Save(folder.File("a.pth"), value);
        CheckpointFile.Save(folder.File("b.pth"), value);

        Assert.Equal(File.ReadAllBytes(folder.File("a.pth")), File.ReadAllBytes(folder.File("b.pth")));
    }

    // CKPT-06: storages start on 64-byte boundaries, as PyTorchStreamWriter aligns them.
    [Fact]
    public void Save_Records_AreAlignedTo64Bytes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("aligned.pth");
        CheckpointFile.Save(path, new PyDict { ["a"] = ones(3), ["b"] = zeros(5, dtype: ScalarType.Int64) });

        var bytes = File.ReadAllBytes(path);
        var offsets = new List<int>();
        for (var i = 0; i + 30 < bytes.Length; i++)
        {
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4)
            {
                var nameLength = BitConverter.ToUInt16(bytes, i + 26);
                var extraLength = BitConverter.ToUInt16(bytes, i + 28);
                offsets.Add(i + 30 + nameLength + extraLength);
            }
        }

        Assert.Equal(8, offsets.Count); // data.pkl, .format_version, .storage_alignment, byteorder, data/0, data/1, version, .data/serialization_id
        Assert.All(offsets, o => Assert.Equal(0, o % 64));
    }
}
