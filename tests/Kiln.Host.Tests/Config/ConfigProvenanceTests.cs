using Kiln.Config;
using Kiln.TestKit;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>
/// Provenance (issue 3, <c>kiln config explain</c>): every merged value knows the file and line that set it, the
/// definitions it overrode in bases, and the <c>--cfg-options</c> entry that replaced it (CFG-05, CFG-09, CFG-13).
/// </summary>
public sealed class ConfigProvenanceTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        string path = _dir.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return path;
    }

    private static ConfigLoadOptions Tracked() => new() { TrackProvenance = true, GetEnvironmentVariable = _ => null };

    private static string Chain(ConfigExplanation e) =>
        string.Join(" <- ", e.Origin.Chain().Select(o => o.CfgOption is not null ? "opt " + o.CfgOption
            : o.File is null ? "note" : $"{Path.GetFileName(o.File)}:{o.Line}={Repr(o.Value)}"));

    [Fact]
    public void Explain_ChildOverridesBase_ChainNamesBothLines()
    {
        // CFG-05, CFG-09: a child's value over a base's, and the base's line below it.
        Write("base.py", "model = dict(\n    type='ResNet',\n    depth=50)\nlr = 0.02\n");
        string child = Write("child.py", "_base_ = './base.py'\nmodel = dict(depth=101)\n");
        var cfg = Kiln.Config.Config.FromFile(child, Tracked());

        var depth = cfg.Provenance!.Explain("model.depth");
        Assert.Equal(101L, depth.Value);
        Assert.Null(depth.SetWith);
        Assert.Equal("child.py:2=101 <- base.py:3=50", Chain(depth));

        Assert.Equal("base.py:2='ResNet'", Chain(cfg.Provenance.Explain("model.type")));
        Assert.Equal("base.py:4=0.02", Chain(cfg.Provenance.Explain("lr")));
        Assert.Equal(child, cfg.Provenance.Explain("model.depth").Origin.File);
    }

    [Fact]
    public void Explain_CfgOption_HeadsTheChainAsTyped()
    {
        // CFG-13: the --cfg-options entry is shown as the user typed it.
        string path = Write("a.py", "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))\n");
        var cfg = Kiln.Config.Config.FromFile(path, Tracked());
        cfg.MergeCfgOptions(["optim_wrapper.optimizer.lr=0.1"]);

        var lr = cfg.Provenance!.Explain("optim_wrapper.optimizer.lr");
        Assert.Equal(0.1, lr.Value);
        Assert.Equal("opt optim_wrapper.optimizer.lr=0.1 <- a.py:1=0.01", Chain(lr));
        Assert.Equal("--cfg-options optim_wrapper.optimizer.lr=0.1", lr.Origin.ToString());
        // The dicts around the option keep their file origin.
        Assert.Equal("a.py:1", cfg.Provenance.Explain("optim_wrapper").Origin.ToString()[^6..]);
    }

    [Fact]
    public void Explain_ListIndexOption_RecordsTheElementKey()
    {
        // CFG-13: `pipeline.0.type=X` merges into a list element.
        string path = Write("p.py", "pipeline = [dict(type='Load'), dict(type='Resize', scale=(1, 2))]\n");
        var cfg = Kiln.Config.Config.FromFile(path, Tracked());
        cfg.MergeCfgOptions(["pipeline.1.type=Pad"]);
        Assert.Equal("opt pipeline.1.type=Pad <- p.py:1='Resize'", Chain(cfg.Provenance!.Explain("pipeline.1.type")));
        Assert.Equal("p.py:1=(1, 2)", Chain(cfg.Provenance.Explain("pipeline.1.scale")));
        var element = cfg.Provenance.Explain("pipeline.1.scale.0");
        Assert.Equal(1L, element.Value);
        Assert.Equal("pipeline.1.scale", element.SetWith);
    }

    [Fact]
    public void Explain_BaseMutatedThroughBaseVariable_NamesTheChildLine()
    {
        // CFG-11: `_base_.model.depth = 18` changes the base's dict; the child's line is where the value came from.
        Write("base.py", "model = dict(type='ResNet', depth=50)\n");
        string child = Write("child.py", "_base_ = './base.py'\n_base_.model.depth = 18\n");
        var cfg = Kiln.Config.Config.FromFile(child, Tracked());
        Assert.Equal("child.py:2=18 <- base.py:1=50", Chain(cfg.Provenance!.Explain("model.depth")));
    }

    [Fact]
    public void Explain_SharedDict_BothKeysPointAtItsDefinition()
    {
        // test_dataloader = val_dataloader: the value's lines are where val_dataloader was written.
        string path = Write("d.py", "val = dict(\n    batch_size=64,\n    shuffle=False)\ntest = val\n");
        var cfg = Kiln.Config.Config.FromFile(path, Tracked());
        Assert.Equal("d.py:2=64", Chain(cfg.Provenance!.Explain("test.batch_size")));
        Assert.Equal("d.py:4", Path.GetFileName(cfg.Provenance.Explain("test").Origin.ToString()));
        Assert.Equal("d.py:1", Path.GetFileName(cfg.Provenance.Explain("val").Origin.ToString()));
    }

    [Fact]
    public void Explain_DictBuilders_RecordEachKeyWhereItWasWritten()
    {
        // dict(src, k=v), {**a}, d.update(...), d['k'] = v, setdefault, comprehensions, reassignment in one file.
        string path = Write("b.py", """
            a = dict(x=1,
                     y=2)
            b = dict(a, y=3)
            c = {**a, 'z': 4}
            c.update(w=5)
            c['x'] = 6
            c.setdefault('v', 7)
            d = {k: 0 for k in ['p']}
            e = 1
            e = 2
            """);
        var p = Kiln.Config.Config.FromFile(path, Tracked()).Provenance!;
        Assert.Equal("b.py:1=1", Chain(p.Explain("b.x")));
        Assert.Equal("b.py:3=3 <- b.py:2=2", Chain(p.Explain("b.y")));
        Assert.Equal("b.py:2=2", Chain(p.Explain("c.y")));
        Assert.Equal("b.py:4=4", Chain(p.Explain("c.z")));
        Assert.Equal("b.py:5=5", Chain(p.Explain("c.w")));
        Assert.Equal("b.py:6=6 <- b.py:1=1", Chain(p.Explain("c.x")));
        Assert.Equal("b.py:7=7", Chain(p.Explain("c.v")));
        Assert.Equal("b.py:8=0", Chain(p.Explain("d.p")));
        Assert.Equal("b.py:10=2 <- b.py:9=1", Chain(p.Explain("e")));
    }

    [Fact]
    public void Explain_DeleteKey_DropsTheBaseValuesBelowIt()
    {
        // CFG-10: with _delete_=True the base dict is gone; keys below it have no base origin.
        Write("base.py", "optimizer = dict(type='SGD', lr=0.1, momentum=0.9)\n");
        string child = Write("child.py", "_base_ = 'base.py'\noptimizer = dict(_delete_=True, type='Adam', lr=0.001)\n");
        var cfg = Kiln.Config.Config.FromFile(child, Tracked());
        Assert.Equal("child.py:2=0.001", Chain(cfg.Provenance!.Explain("optimizer.lr")));
        Assert.Throws<ConfigException>(() => cfg.Provenance.Explain("optimizer.momentum"));
    }

    [Fact]
    public void Explain_ChainOfThreeFiles_ListsEveryOverriddenBase()
    {
        // CFG-07: nested bases.
        Write("a.py", "lr = 0.1\n");
        Write("b.py", "_base_ = 'a.py'\nlr = 0.2\n");
        string c = Write("c.py", "_base_ = 'b.py'\n\nlr = 0.3\n");
        var cfg = Kiln.Config.Config.FromFile(c, Tracked());
        Assert.Equal("c.py:3=0.3 <- b.py:2=0.2 <- a.py:1=0.1", Chain(cfg.Provenance!.Explain("lr")));
    }

    [Fact]
    public void Explain_YamlAndJsonBases_KeysHaveTheirLines()
    {
        // CFG-02, CFG-03
        Write("y.yaml", "model:\n  type: ResNet\n  depth: 50\n");
        Write("j.json", "{\n  // comment\n  \"lr\": 0.1,\n  \"steps\": [1, {\"a\": [2, 3],\n    \"b\": {\"c\": 4}}],\n  \"d\": {\"e\": null,}\n}");
        string child = Write("c.py", "_base_ = ['y.yaml', 'j.json']\n");
        var p = Kiln.Config.Config.FromFile(child, Tracked()).Provenance!;
        Assert.Equal("y.yaml:3=50", Chain(p.Explain("model.depth")));
        Assert.Equal("j.json:3=0.1", Chain(p.Explain("lr")));
        Assert.Equal("j.json:4=[2, 3]", Chain(p.Explain("steps.1.a")));
        Assert.Equal("j.json:5=4", Chain(p.Explain("steps.1.b.c")));
        Assert.Equal("j.json:6=None", Chain(p.Explain("d.e")));
        Assert.EndsWith("j.json:3", p.Explain("lr").Origin.ToString());
    }

    [Fact]
    public void Explain_ScopedBase_ScopeKeyExplainsWhereItWasAdded()
    {
        // CFG-17: `_scope_` is not in any file; it is added for the scoped base.
        var options = new ConfigLoadOptions
        {
            TrackProvenance = true,
            GetEnvironmentVariable = _ => null,
            ScopeResolver = new Resolver(Fixture("plugin_vision/configs")),
        };
        var cfg = Kiln.Config.Config.FromFile(Fixture("scoped_child.py"), options);
        var scope = cfg.Provenance!.Explain("model._scope_");
        Assert.Equal("vision", scope.Value);
        Assert.Null(scope.Origin.File);
        Assert.Contains("'vision::_base_/models/lenet5.py'", scope.Origin.Note);
        Assert.Equal("lenet5.py:1=2", Chain(cfg.Provenance.Explain("model.backbone.depth")));
        Assert.Equal("scoped_child.py:2=3 <- lenet5.py:1=10", Chain(cfg.Provenance.Explain("model.num_classes")));
        // A _scope_ the base wrote itself is the base's line.
        Assert.Equal("lenet5.py:4='mmcls'", Chain(cfg.Provenance.Explain("scoped._scope_")));
    }

    private sealed class Resolver(string root) : IConfigScopeResolver
    {
        public string? GetConfigRoot(string scope) => scope == "vision" ? root : null;

        public IReadOnlyCollection<string> Scopes => ["vision"];
    }

    [Fact]
    public void Explain_MissingKey_ListsTheKeysThatExist()
    {
        string path = Write("m.py", "model = dict(type='A', depth=1)\nlist_ = [1, 2]\n");
        var p = Kiln.Config.Config.FromFile(path, Tracked()).Provenance!;
        var e = Assert.Throws<ConfigException>(() => p.Explain("model.dept"));
        Assert.Equal("'model.dept' is not in the config ('model' has keys: type, depth)", e.Message);
        Assert.Contains("'nope' is not in the config (keys: model, list_)", Assert.Throws<ConfigException>(() => p.Explain("nope")).Message);
        Assert.Contains("index it with 0..1", Assert.Throws<ConfigException>(() => p.Explain("list_.5")).Message);
        Assert.Contains("which has no keys", Assert.Throws<ConfigException>(() => p.Explain("model.depth.x")).Message);
    }

    [Fact]
    public void FromFile_WithoutTracking_NoProvenanceAndSameResult()
    {
        // Tracking changes nothing but the records: the merged dict is identical either way.
        var plain = Load("resnet50_lr0.01.py");
        var tracked = Kiln.Config.Config.FromFile(Fixture("resnet50_lr0.01.py"), Tracked());
        Assert.Null(plain.Provenance);
        Assert.NotNull(tracked.Provenance);
        Assert.Equal(Repr(plain.Dict), Repr(tracked.Dict));
        Assert.Equal(plain.PrettyText, tracked.PrettyText);
    }
}
