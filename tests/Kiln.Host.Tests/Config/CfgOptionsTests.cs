using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

public class CfgOptionsTests
{
    [Theory]
    [InlineData("item2.b=[(a,b), [1,2], false]", "item2.b", "[('a', 'b'), [1, 2], False]")]
    [InlineData("item2.a=a,b", "item2.a", "['a', 'b']")]
    [InlineData("x=1", "x", "1")]
    [InlineData("x=0.1", "x", "0.1")]
    [InlineData("x=1e-3", "x", "0.001")]
    [InlineData("x=TRUE", "x", "True")]
    [InlineData("x=None", "x", "None")]
    [InlineData("x='abc'", "x", "'abc'")]
    [InlineData("x=(1,)", "x", "(1,)")]
    [InlineData("x=\"[(a,b),(c,d)]\"", "x", "[('a', 'b'), ('c', 'd')]")]
    [InlineData("x=a=b", "x", "'a=b'")]
    public void ParseCfgOptions_DictActionGrammar_ParsesValues(string option, string key, string expected)
    {
        // CFG-14
        var options = Kiln.Config.Config.ParseCfgOptions([option]);
        Assert.Equal(expected, Repr(options[key]));
    }

    [Fact]
    public void ParseCfgOptions_ImbalancedBrackets_Error()
    {
        // CFG-14
        Assert.Contains("Imbalanced brackets", Assert.Throws<ConfigException>(() => Kiln.Config.Config.ParseCfgOptions(["x=[(a,b],c"])).Message);
    }

    /// <summary>CFG-13: a dict call (commas only inside its parentheses) is an error, not endless recursion (a crash).</summary>
    [Theory]
    [InlineData("custom_hooks=[dict(type='CheckInvalidLossHook', interval=10)]")]
    [InlineData("model=dict(type='A',depth=2)")]
    public void ParseCfgOptions_DictCall_ClearError(string option)
    {
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.ParseCfgOptions([option]));
        Assert.Contains("dicts and calls such as dict(...) cannot be given", e.Message);
    }

    [Fact]
    public void MergeFromDict_DottedKeys_MergeNested()
    {
        // CFG-14
        var cfg = Load("simple_config.py");
        cfg.MergeFromDict(new Dictionary<string, object?> { ["item2.a"] = 1L, ["item2.b"] = 0.1, ["item3"] = false });
        Assert.Equal("{'a': 1, 'b': 0.1}", Repr(cfg["item2"]));
        Assert.Equal(false, cfg["item3"]);
    }

    [Fact]
    public void MergeFromDict_ListKeys_IndexIntoLists()
    {
        // CFG-14
        var cfg = new Kiln.Config.Config(Py("item = [{'a': 0}, {'b': 0, 'c': 0}]"));
        cfg.MergeFromDict(new Dictionary<string, object?> { ["item.0.a"] = 1L, ["item.1.b"] = 1L });
        Assert.Equal("[{'a': 1}, {'b': 1, 'c': 0}]", Repr(cfg["item"]));
        var noList = new Kiln.Config.Config(Py("item = [{'a': 0}, {'b': 0, 'c': 0}]"));
        Assert.Throws<ConfigException>(() => noList.MergeFromDict(new Dictionary<string, object?> { ["item.0.a"] = 1L }, allowListKeys: false));
        var e = Assert.Throws<ConfigException>(() => cfg.MergeFromDict(new Dictionary<string, object?> { ["item.2.a"] = 1L }));
        Assert.Contains("Index 2 exceeds the length of list", e.Message);
    }

    [Fact]
    public void MergeFromDict_RepeatedOptions_Accumulate()
    {
        // CFG-14 (AE-CFG-14)
        var cfg = Load("example.py");
        cfg.MergeFromDict(Kiln.Config.Config.ParseCfgOptions(["optimizer.type=\"Adam\"", "model.in_channels=\"[1, 1, 1]\""]));
        Assert.Equal($"Config (path: {Fixture("example.py")}): {{'model': {{'type': 'CustomModel', 'in_channels': [1, 1, 1]}}, 'optimizer': {{'type': 'Adam', 'lr': 0.01}}}}", cfg.ToString());
    }
}
