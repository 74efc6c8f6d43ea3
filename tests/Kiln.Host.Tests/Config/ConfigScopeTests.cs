using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

public class ConfigScopeTests
{
    private sealed class Resolver(Dictionary<string, string> roots) : IConfigScopeResolver
    {
        public string? GetConfigRoot(string scope) => roots.GetValueOrDefault(scope);

        public IReadOnlyCollection<string> Scopes => roots.Keys;
    }

    private static ConfigLoadOptions Options() => new()
    {
        ScopeResolver = new Resolver(new() { ["vision"] = Fixture("plugin_vision/configs"), ["metrics"] = "/nowhere" }),
        GetEnvironmentVariable = _ => null,
    };

    [Fact]
    public void FromFile_ScopedBase_OutermostTypedDictsGetScope()
    {
        // CFG-17
        var cfg = Load("scoped_child.py", Options());
        Assert.Equal("{'type': 'LeNet5', 'backbone': {'type': 'ConvStack', 'depth': 2}, 'num_classes': 3, '_scope_': 'vision'}", Repr(cfg["model"]));
        Assert.Equal("{'cfg': {'type': 'CrossEntropyLoss', '_scope_': 'vision'}, 'weights': [{'type': 'W', '_scope_': 'vision'}]}", Repr(cfg["loss"]));
        Assert.Equal("{'a': 1}", Repr(cfg["plain"]));
        Assert.Equal("{'type': 'Other', '_scope_': 'mmcls'}", Repr(cfg["scoped"]));
    }

    [Fact]
    public void FromFile_UnknownScope_ErrorListsKnownScopes()
    {
        // CFG-17
        var e = Assert.Throws<ConfigException>(() => Load("errors/unknown_scope.py", Options()));
        Assert.Contains("unknown_scope.py:1", e.Message);
        Assert.Contains("unknown config scope 'gan'", e.Message);
        Assert.Contains("metrics, vision", e.Message);
    }
}
