using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>.json and .yaml readers and writers (CFG-01, CFG-12).</summary>
public class DataFormatTests
{
    private static ConfigDict Yaml(string text) => Kiln.Config.Config.FromString(text, ".yaml", Env()).Dict;

    [Fact]
    public void FromString_Yaml_ResolvesScalarsAsPyYaml()
    {
        // CFG-01: PyYAML (YAML 1.1) scalar rules, which MMEngine uses.
        var d = Yaml("""
            a: yes
            b: off
            c: ~
            d: 0x10
            e: 1.5
            f: 1e-5
            g: 1.0e-5
            h: '1'
            i: "true"
            j: !!python/tuple [1, 2]
            k: [1, {x: null}]
            l: -.inf
            """);
        Assert.Equal("{'a': True, 'b': False, 'c': None, 'd': 16, 'e': 1.5, 'f': '1e-5', 'g': 1e-05, 'h': '1', 'i': 'true', 'j': (1, 2), 'k': [1, {'x': None}], 'l': -inf}", Repr(d));
    }

    [Fact]
    public void FromString_InvalidYaml_ErrorNamesLine()
    {
        // CFG-01
        var e = Assert.Throws<ConfigException>(() => Yaml("a: 1\nb: [1, 2\nc: 3\n"));
        Assert.StartsWith("<string>:", e.Message);
        Assert.Contains("invalid YAML", e.Message);
    }

    [Fact]
    public void FromString_Json_IntsStayInts()
    {
        // CFG-01
        var d = Kiln.Config.Config.FromString("""{"a": 1, "b": 1.0, "c": 1e3, "d": [true, null, "s"], "e": -7}""", ".json", Env()).Dict;
        Assert.Equal("{'a': 1, 'b': 1.0, 'c': 1000.0, 'd': [True, None, 's'], 'e': -7}", Repr(d));
    }

    [Fact]
    public void FromString_InvalidJson_ErrorNamesLine()
    {
        // CFG-01
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString("{\n  \"a\": 1,\n  \"b\": ]\n}", ".json", Env()));
        Assert.StartsWith("<string>:3:", e.Message);
        Assert.Contains("invalid JSON", e.Message);
    }

    [Fact]
    public void DumpToString_YamlNestedLists_PyYamlBlockStyle()
    {
        // CFG-12
        var cfg = new Kiln.Config.Config(Py("m = [[1, 2], [dict(a=1, b='x y')], []]\ns = 'it''s'\nu = 'ünï'"));
        Assert.Equal("m:\n- - 1\n  - 2\n- - a: 1\n    b: x y\n- []\ns: its\nu: 'ünï'\n", cfg.DumpToString(".yaml"));
        Assert.Equal(Repr(cfg.Dict), Repr(Yaml(cfg.DumpToString(".yaml"))));
    }

    [Fact]
    public void DumpToString_JsonEscapes_AsPythonJsonDumps()
    {
        // CFG-12
        var cfg = new Kiln.Config.Config(Py("s = 'a\"b\\\\c\\nü'\nt = (1, 2.0)"));
        Assert.Equal("{\"s\": \"a\\\"b\\\\c\\n\\u00fc\", \"t\": [1, 2.0]}", cfg.DumpToString(".json"));
    }
}
