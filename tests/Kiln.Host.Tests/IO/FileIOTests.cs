using System.Text;
using Kiln.Checkpoints;
using Kiln.IO;

namespace Kiln.Tests.IO;

/// <summary>FIO-01..05: MMEngine's fileio load/dump, list_from_file, dict_from_file and backends by prefix.</summary>
public class FileIOTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kiln-fileio-" + Guid.NewGuid().ToString("N"));

    public FileIOTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    private static PyDict Sample() => new()
    {
        ["a"] = 1L,
        ["b"] = new List<object?> { 2.5, "x", true, null },
        ["c"] = new PyDict { ["d"] = "it's", ["e"] = new List<object?>() },
    };

    // FIO-01: json, yaml and pickle round trips chosen by extension.
    [Theory]
    [InlineData("v.json")]
    [InlineData("v.yaml")]
    [InlineData("v.yml")]
    [InlineData("v.pkl")]
    [InlineData("v.pickle")]
    public void DumpThenLoad_ByExtension_RoundTrips(string name)
    {
        FileIO.Dump(Sample(), F(name));
        var back = Assert.IsType<PyDict>(FileIO.Load(F(name)));
        Assert.Equal(1L, back["a"]);
        Assert.Equal(new List<object?> { 2.5, "x", true, null }, back["b"]);
        var c = Assert.IsType<PyDict>(back["c"]);
        Assert.Equal("it's", c["d"]);
        Assert.Equal(new List<object?>(), c["e"]);
    }

    // FIO-01: file_format overrides the extension; dump without a file gives the text (MMEngine: dump(obj, file_format='json')).
    [Fact]
    public void FileFormat_OverridesExtensionAndDumpToStringGivesText()
    {
        FileIO.Dump(Sample(), F("data.txt"), "json");
        Assert.Equal("""{"a":1,"b":[2.5,"x",true,null],"c":{"d":"it's","e":[]}}""", File.ReadAllText(F("data.txt")));
        Assert.Equal(1L, Assert.IsType<PyDict>(FileIO.Load(F("data.txt"), "json"))["a"]);
        Assert.Equal("a: 1\nb:\n  - 2.5\n  - 'x'\n  - true\n  - null\nc:\n  d: 'it''s'\n  e: []\n", FileIO.DumpToString(Sample(), "yaml"));
        var e = Assert.Throws<KilnException>(() => FileIO.Load(F("data.txt")));
        Assert.Contains("unsupported file format 'txt'", e.Message);
    }

    // FIO-01: MMEngine's yaml loads PyYAML-style scalars.
    [Fact]
    public void LoadYaml_ResolvesScalarsAsPyYaml()
    {
        File.WriteAllText(F("s.yaml"), "i: 3\nf: 0.5\nt: yes\nn: ~\nq: '3'\ns: abc\nl: [1, 2]\n");
        var d = Assert.IsType<PyDict>(FileIO.Load(F("s.yaml")));
        Assert.Equal(3L, d["i"]);
        Assert.Equal(0.5, d["f"]);
        Assert.Equal(true, d["t"]);
        Assert.Null(d["n"]);
        Assert.Equal("3", d["q"]);
        Assert.Equal("abc", d["s"]);
        Assert.Equal(new List<object?> { 1L, 2L }, d["l"]);
    }

    // FIO-03: a custom handler registered for an extension.
    [Fact]
    public void RegisterHandler_CustomExtension_IsUsed()
    {
        FileIO.RegisterHandler(new LinesHandler(), "lines");
        FileIO.Dump(new List<object?> { "a", "b" }, F("x.lines"));
        Assert.Equal("a\nb\n", File.ReadAllText(F("x.lines")));
        Assert.Equal(new List<object?> { "a", "b" }, FileIO.Load(F("x.lines")));
    }

    // FIO-04: MMEngine's list_from_file test values (prefix, offset, max_num).
    [Fact]
    public void ListFromFile_PrefixOffsetMaxNum()
    {
        File.WriteAllText(F("filelist.txt"), "1.jpg\n2.jpg\n3.jpg\n4.jpg\n5.jpg");
        Assert.Equal(["1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"], FileIO.ListFromFile(F("filelist.txt")));
        Assert.Equal(["a/1.jpg", "a/2.jpg", "a/3.jpg", "a/4.jpg", "a/5.jpg"], FileIO.ListFromFile(F("filelist.txt"), prefix: "a/"));
        Assert.Equal(["3.jpg", "4.jpg", "5.jpg"], FileIO.ListFromFile(F("filelist.txt"), offset: 2));
        Assert.Equal(["1.jpg", "2.jpg", "3.jpg"], FileIO.ListFromFile(F("filelist.txt"), maxNum: 3));
        Assert.Equal(["4.jpg", "5.jpg"], FileIO.ListFromFile(F("filelist.txt"), offset: 3, maxNum: 3));
    }

    // FIO-05: MMEngine's dict_from_file test values (one value → str, more → list; key_type=int).
    [Fact]
    public void DictFromFile_KeysAndValues()
    {
        File.WriteAllText(F("mapping.txt"), "1 cat\n2 dog cow\n3 panda\n");
        var d = FileIO.DictFromFile(F("mapping.txt"));
        Assert.Equal("cat", d["1"]);
        Assert.Equal(new[] { "dog", "cow" }, d["2"]);
        var ints = FileIO.DictFromFile(F("mapping.txt"), int.Parse);
        Assert.Equal("panda", ints[3]);

        File.WriteAllText(F("bad.txt"), "1 cat\nlonely\n");
        var e = Assert.Throws<KilnException>(() => FileIO.DictFromFile(F("bad.txt")));
        Assert.Contains("bad.txt:2", e.Message);
    }

    // FIO-02: backends by prefix: local for paths and file://, http(s) read-only, registered prefixes, unknown schemes named.
    [Fact]
    public void GetBackend_ByPrefix()
    {
        Assert.IsType<LocalBackend>(FileIO.GetBackend(F("a.json")));
        Assert.IsType<LocalBackend>(FileIO.GetBackend("file:///tmp/a.json"));
        Assert.IsType<HttpBackend>(FileIO.GetBackend("https://example.org/a.pth"));
        var e = Assert.Throws<KilnException>(() => FileIO.GetBackend("s3://bucket/a.pth"));
        Assert.Contains("no storage backend for 's3://'", e.Message);
        Assert.Throws<KilnException>(() => FileIO.Put("x"u8, "https://example.org/a.pth"));

        var memory = new MemoryBackend();
        FileIO.RegisterBackend("mem://", memory, force: true);
        FileIO.Dump(Sample(), "mem://bucket/v.json");
        Assert.Equal(1L, Assert.IsType<PyDict>(FileIO.Load("mem://bucket/v.json"))["a"]);
        Assert.True(FileIO.Exists("mem://bucket/v.json"));
        FileIO.PutText("hello", "file://" + F("t.txt"));
        Assert.Equal("hello", FileIO.GetText(F("t.txt")));
    }

    private sealed class LinesHandler : IFileHandler
    {
        public object? Load(Stream input, string source) =>
            new StreamReader(input).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => (object?)s).ToList();

        public void Dump(object? value, Stream output) =>
            output.Write(Encoding.UTF8.GetBytes(string.Concat(((List<object?>)value!).Select(v => v + "\n"))));
    }

    private sealed class MemoryBackend : IStorageBackend
    {
        private readonly Dictionary<string, byte[]> _files = [];

        public byte[] Get(string path) => _files[path];

        public void CopyTo(string path, Stream destination) => destination.Write(_files[path]);

        public void Put(string path, ReadOnlySpan<byte> data) => _files[path] = data.ToArray();

        public bool Exists(string path) => _files.ContainsKey(path);
    }
}
