using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

public class ConfigDumpTests
{
    [Fact]
    public void Dump_DictConfig_MatchesMmengine()
    {
        // CFG-12
        var cfg = new Kiln.Config.Config(new ConfigDict { ["b"] = 2L, ["a"] = 1L });
        Assert.Equal("a = 1\nb = 2\n", cfg.DumpToString(".py"));
        Assert.Equal("{\"b\": 2, \"a\": 1}", cfg.DumpToString(".json"));
        Assert.Equal("a: 1\nb: 2\n", cfg.DumpToString(".yaml"));
    }

    [Fact]
    public void Dump_Resnet50_PyJsonYamlAsDocs()
    {
        // CFG-12 (AE-CFG-12)
        var cfg = Load("resnet50.py");
        Assert.Equal("model = dict(depth=50, type='ResNet')\noptimizer = dict(lr=0.02, momentum=0.9, type='SGD', weight_decay=0.0001)\n", cfg.PrettyText);
        Assert.Equal("{\"optimizer\": {\"type\": \"SGD\", \"lr\": 0.02, \"momentum\": 0.9, \"weight_decay\": 0.0001}, \"model\": {\"type\": \"ResNet\", \"depth\": 50}}", cfg.DumpToString(".json"));
        Assert.Equal("model:\n  depth: 50\n  type: ResNet\noptimizer:\n  lr: 0.02\n  momentum: 0.9\n  type: SGD\n  weight_decay: 0.0001\n", cfg.DumpToString(".yaml"));
    }

    [Theory]
    [InlineData(".py")]
    [InlineData(".json")]
    [InlineData(".yaml")]
    public void Dump_ComplexConfigToFile_ReloadsEqual(string ext)
    {
        // CFG-12
        var cfg = new Kiln.Config.Config(Py("""
            str_item_8 = 'string with \tescape\\ characters\n'
            long_list = [dict(type='LoadImageFromFile', backend_args=None), dict(type='Resize', scale=(1333, 800), keep_ratio=True), 'x' * 30]
            weird = {'a b': 1, 'class': [True, None, 1e-05, -2.5], 'nested': dict(t=(1,), e=[], d={})}
            strings = ['yes', '1', '', 'a: b', "it's", '#x', 'null']
            """));
        string path = Path.Combine(Path.GetTempPath(), $"kiln_dump_{Guid.NewGuid():N}{ext}");
        try
        {
            cfg.Dump(path);
            var back = Kiln.Config.Config.FromFile(path, Env());
            // Dumps sort keys, and JSON/YAML have no tuples: compare key-sorted, with tuples as lists there.
            Assert.Equal(Repr(Canonical(cfg.Dict, ext != ".py")), Repr(Canonical(back.Dict, ext != ".py")));
            Assert.Equal("string with \tescape\\ characters\n", back["str_item_8"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static object? Canonical(object? v, bool tuplesAsLists) => v switch
    {
        ConfigDict d => new ConfigDict(d.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new KeyValuePair<string, object?>(kv.Key, Canonical(kv.Value, tuplesAsLists)))),
        List<object?> l => l.Select(x => Canonical(x, tuplesAsLists)).ToList(),
        object?[] t when tuplesAsLists => t.Select(x => Canonical(x, tuplesAsLists)).ToList(),
        object?[] t => t.Select(x => Canonical(x, tuplesAsLists)).ToArray(),
        _ => v,
    };

    [Fact]
    public void PrettyText_LongValues_BreakWithIndent()
    {
        // CFG-12
        var cfg = new Kiln.Config.Config(Py("model = dict(type='FasterRCNN', backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(0, 1, 2, 3)), neck=dict(type='FPN'))"));
        Assert.Equal("""
            model = dict(
                backbone=dict(
                    depth=50,
                    num_stages=4,
                    out_indices=(0, 1, 2, 3),
                    type='ResNet'),
                neck=dict(type='FPN'),
                type='FasterRCNN')

            """.Replace("\r\n", "\n"), cfg.PrettyText);
    }
}
