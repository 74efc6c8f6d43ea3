using Kiln.IO;

namespace Kiln.Tests.IO;

/// <summary>Atomic writes (CKPT-01): a failed write leaves the previous file and no temporary file.</summary>
public class AtomicFileTests
{
    [Fact]
    public void Write_FailsMidway_PreviousFileIntactAndNoTempLeft()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kiln-tests", Guid.NewGuid().ToString("N"));
        string path = Path.Combine(dir, "last_checkpoint");
        AtomicFile.WriteAllText(path, "epoch_1.pth");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("partial"u8);
            throw new IOException("disk full");
        }));
        Assert.Equal("epoch_1.pth", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir));
        AtomicFile.WriteAllText(path, "epoch_2.pth");
        Assert.Equal("epoch_2.pth", File.ReadAllText(path));
        Directory.Delete(dir, recursive: true);
    }
}
