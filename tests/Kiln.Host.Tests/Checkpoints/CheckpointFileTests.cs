using System.Text;
using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>CKPT-01: atomic saves, format dispatch, and errors that name the file.</summary>
public class CheckpointFileTests
{
    private sealed class Unsaveable;

    // CKPT-01: a save that fails midway leaves the previous checkpoint byte-identical and no temp file.
    [Fact]
    public void Save_ValueFailsMidway_KeepsPreviousFileAndLeavesNoTemp()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("epoch_1.pth");
        CheckpointFile.Save(path, new PyDict { ["w"] = ones(4), ["epoch"] = 1L });
        var before = File.ReadAllBytes(path);

        var bad = new PyDict { ["w"] = ones(1000), ["meta"] = new PyDict { ["x"] = new Unsaveable() } };
        var error = Assert.Throws<KilnException>(() => CheckpointFile.Save(path, bad));

        Assert.Contains(path, error.Message);
        Assert.Contains("checkpoint['meta']['x']", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    // CKPT-01: failing while tensor bytes are written (a disposed tensor) is also atomic.
    [Fact]
    public void Save_DisposedTensor_KeepsPreviousFileAndLeavesNoTemp()
    {
        using var folder = new TempFolder();
        var path = folder.File("w.safetensors");
        using var good = ones(2);
        CheckpointFile.Save(path, new PyDict { ["w"] = good });
        var before = File.ReadAllBytes(path);
        var disposed = zeros(3);
        disposed.Dispose();

        Assert.Throws<KilnException>(() => CheckpointFile.Save(path, new PyDict { ["a"] = good, ["b"] = disposed }));
        Assert.Throws<KilnException>(() => CheckpointFile.Save(folder.File("w.pth"), new PyDict { ["a"] = good, ["b"] = disposed }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    // CKPT-01
    [Fact]
    public void Save_ExistingFile_IsReplaced()
    {
        using var folder = new TempFolder();
        var path = folder.File("latest.pth");
        CheckpointFile.Save(path, new PyDict { ["epoch"] = 1L });
        CheckpointFile.Save(path, new PyDict { ["epoch"] = 2L });

        Assert.Equal(2L, ((PyDict)CheckpointFile.Load(path)!)["epoch"]);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    // CKPT-01
    [Fact]
    public void Load_MissingFile_ThrowsNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "kiln-no-such-" + Guid.NewGuid().ToString("N") + ".pth");
        var error = Assert.Throws<KilnException>(() => CheckpointFile.Load(path));
        Assert.Equal($"cannot load checkpoint {path}: the file does not exist", error.Message);
    }

    // CKPT-01
    [Fact]
    public void Load_TruncatedCheckpoint_ThrowsNamingFile()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("cut.pth");
        CheckpointFile.Save(path, new PyDict { ["w"] = ones(100) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<KilnException>(() => CheckpointFile.Load(path));
        Assert.Contains(path, error.Message);
    }

    // CKPT-06: a pickle naming a global outside the allow-list is refused, never executed.
    [Fact]
    public void Load_DisallowedGlobal_ThrowsNamingGlobalAndFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("evil.pth");
        // PROTO 2, GLOBAL 'os system', STRING arg, TUPLE1, REDUCE, STOP: what a malicious pickle looks like.
        var pickle = "\u0080\u0002cos\nsystem\nX\u0004\0\0\0echo\u0085R.".Select(c => (byte)c).ToArray();
        using (var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("archive/data.pkl", System.IO.Compression.CompressionLevel.NoCompression).Open();
            s.Write(pickle);
        }

        var error = Assert.Throws<KilnException>(() => CheckpointFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("unsupported pickle global 'os.system'; Kiln reads dicts", error.Message);
    }

    // CKPT-06
    [Fact]
    public void Load_LegacyTorchFormat_ExplainsHowToConvert()
    {
        using var folder = new TempFolder();
        var path = folder.File("old.pth");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);

        var error = Assert.Throws<KilnException>(() => CheckpointFile.Load(path));
        Assert.Contains("legacy (pre-1.6) format", error.Message);
    }

    // CKPT-06: safetensors round trip with metadata, chosen by extension.
    [Fact]
    public void SaveLoad_Safetensors_RoundTripsTensorsAndMetadata()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("model.safetensors");
        var value = new PyDict
        {
            ["a"] = arange(6, dtype: ScalarType.BFloat16).reshape(2, 3),
            ["b"] = tensor(new[] { true, false }),
            ["c"] = arange(4, dtype: ScalarType.Int64).view(2, 2).t(),
        };

        CheckpointFile.Save(path, value, CheckpointFormat.Auto, new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = Assert.IsType<PyOrderedDict>(CheckpointFile.Load(path));

        Assert.Equal(new object[] { "a", "b", "c" }, loaded.Keys);
        foreach (var key in new[] { "a", "b", "c" })
        {
            var expected = (Tensor)value[key]!;
            var actual = (Tensor)loaded[key]!;
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.True(actual.equal(expected).all().item<bool>());
        }

        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        Assert.Contains("\"dtype\":\"BF16\"", Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        Assert.Equal("pt", CheckpointFile.LoadSafetensorsMetadata(path)["format"]);
        CheckpointValue.DisposeTensors(loaded);
    }

    // CKPT-06
    [Fact]
    public void Save_SafetensorsWithNonTensor_ThrowsNamingEntry()
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.safetensors");
        var error = Assert.Throws<KilnException>(() => CheckpointFile.Save(path, new PyDict { ["epoch"] = 1L }));
        Assert.Contains("entry epoch is a Int64; safetensors holds only tensors", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }
}
