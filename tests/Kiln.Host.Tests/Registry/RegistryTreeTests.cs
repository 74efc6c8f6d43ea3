using Kiln.Registry;

namespace Kiln.Tests.Registry;

/// <summary>The host's registry tree: 23 roots in scope <c>mmengine</c>, one child per plugin scope in each.</summary>
public sealed class RegistryTreeTests
{
    private sealed class Toy;

    // REG-07: all 23 root registries exist in the root scope.
    [Fact]
    public void Indexer_EveryRootRegistry_ExistsInRootScope()
    {
        var tree = new RegistryTree();
        Assert.Equal(23, Registries.All.Count);
        Assert.All(Registries.All, name => Assert.Equal(RegistryTree.RootScope, tree[name].Scope));
        var e = Assert.Throws<KilnException>(() => tree["modle"]);
        Assert.Contains("model", e.Message);
    }

    // REG-01/REG-08: a plugin scope becomes a child of every root registry.
    [Fact]
    public void AddScope_NewScope_AddsChildUnderEveryRoot()
    {
        var tree = new RegistryTree();
        var registrar = tree.AddScope("vision");
        registrar.Register(Registries.Models, typeof(Toy));
        Assert.All(Registries.All, name => Assert.Equal("vision", tree[name].Children["vision"].Scope));
        Assert.Same(typeof(Toy), tree[Registries.Models].Get("vision.Toy")?.Type);
        Assert.Equal(["mmengine", "vision"], tree.Scopes);
        Assert.Equal(1, tree.CountComponents("vision"));
    }

    // REG-08: a scope that is taken (by another plugin or the root) is refused.
    [Theory]
    [InlineData("vision")]
    [InlineData(RegistryTree.RootScope)]
    public void AddScope_TakenScope_Throws(string scope)
    {
        var tree = new RegistryTree();
        tree.AddScope("vision");
        var e = Assert.Throws<KilnException>(() => tree.AddScope(scope));
        Assert.Contains($"'{scope}' is already taken", e.Message);
    }

    // REG-12: abstract classes cannot be registered.
    [Fact]
    public void Register_AbstractType_Throws()
    {
        var registrar = new RegistryTree().RootRegistrar();
        var e = Assert.Throws<KilnException>(() => registrar.Register(Registries.Models, typeof(Stream)));
        Assert.Contains("abstract", e.Message);
    }
}
