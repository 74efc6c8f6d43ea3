using Kiln.Registry;

namespace Kiln.Tests.Registry;

/// <summary>
/// MMEngine's test_registry.py lookup expectations (spec/mmengine-internals.md §2.3) on its dog tree:
/// DOGS ⟶ HOUNDS(hound) ⟶ {LITTLE_HOUNDS(little_hound), MID_HOUNDS(mid_hound)}, DOGS ⟶ SAMOYEDS(samoyed) ⟶ LITTLE_SAMOYEDS.
/// </summary>
public sealed class RegistryLookupTests
{
    private const string RootScope = "test_registry";

    private sealed class GoldenRetriever;
    private sealed class BloodHound;
    private sealed class Dachshund;
    private sealed class Beagle;
    private sealed class PedigreeSamoyed;
    private sealed class LittlePedigreeSamoyed;

    private readonly Kiln.Registry.Registry _dogs = new("dogs", RootScope, null);
    private readonly Kiln.Registry.Registry _hounds;
    private readonly Kiln.Registry.Registry _littleHounds;
    private readonly Kiln.Registry.Registry _midHounds;
    private readonly Kiln.Registry.Registry _samoyeds;
    private readonly Kiln.Registry.Registry _littleSamoyeds;

    public RegistryLookupTests()
    {
        _hounds = new("dogs", "hound", _dogs);
        _littleHounds = new("dogs", "little_hound", _hounds);
        _midHounds = new("dogs", "mid_hound", _hounds);
        _samoyeds = new("dogs", "samoyed", _dogs);
        _littleSamoyeds = new("dogs", "little_samoyed", _samoyeds);
        Add(_dogs, typeof(GoldenRetriever));
        Add(_hounds, typeof(BloodHound));
        Add(_littleHounds, typeof(Dachshund));
        Add(_midHounds, typeof(Beagle));
        Add(_samoyeds, typeof(PedigreeSamoyed));
        Add(_littleSamoyeds, typeof(LittlePedigreeSamoyed));
    }

    private static void Add(Kiln.Registry.Registry node, Type type, string? name = null, bool force = false) =>
        node.Add(new Registration(name ?? type.Name, node.Scope, node.Name, type, null), force);

    // REG-08: an unscoped name searches this node, then its ancestors.
    [Theory]
    [InlineData("little_hound", "Dachshund", typeof(Dachshund))]
    [InlineData("little_hound", "BloodHound", typeof(BloodHound))]
    [InlineData("little_hound", "GoldenRetriever", typeof(GoldenRetriever))]
    [InlineData("hound", "GoldenRetriever", typeof(GoldenRetriever))]
    [InlineData("little_samoyed", "PedigreeSamoyed", typeof(PedigreeSamoyed))]
    public void Get_UnscopedName_FallsBackToAncestors(string scope, string key, Type expected)
    {
        Assert.Same(expected, _dogs.SearchChild(scope)!.Get(key)?.Type);
    }

    // REG-08/REG-09: an unscoped name never reaches siblings or children.
    [Theory]
    [InlineData("test_registry", "BloodHound")]
    [InlineData("hound", "Dachshund")]
    [InlineData("mid_hound", "Dachshund")]
    [InlineData("little_hound", "Beagle")]
    [InlineData("samoyed", "BloodHound")]
    [InlineData("hound", "PedigreeSamoyed")]
    public void Get_UnscopedName_DoesNotSearchSiblingsOrChildren(string scope, string key)
    {
        Assert.Null(_dogs.SearchChild(scope)!.Get(key));
    }

    // REG-08: "<ownscope>.X" searches only this node, with no ancestor fallback.
    [Fact]
    public void Get_OwnScopePrefix_SearchesOnlySelf()
    {
        Assert.Same(typeof(BloodHound), _hounds.Get("hound.BloodHound")?.Type);
        Assert.Null(_hounds.Get("hound.GoldenRetriever"));
        Assert.Null(_littleHounds.Get("little_hound.BloodHound"));
    }

    // REG-08: "<childscope>.X" is an unscoped lookup in the child, so it falls back to the child's ancestors.
    [Fact]
    public void Get_ChildScopePrefix_LooksUpInChildThenItsAncestors()
    {
        Assert.Same(typeof(BloodHound), _dogs.Get("hound.BloodHound")?.Type);
        Assert.Same(typeof(Dachshund), _hounds.Get("little_hound.Dachshund")?.Type);
        Assert.Same(typeof(Dachshund), _dogs.Get("hound.little_hound.Dachshund")?.Type);
        Assert.Same(typeof(GoldenRetriever), _dogs.Get("samoyed.GoldenRetriever")?.Type);
        Assert.Same(typeof(BloodHound), _hounds.Get("little_hound.BloodHound")?.Type);
    }

    // REG-09, XLIB-01: a foreign scope is resolved from the root's direct children only.
    [Fact]
    public void Get_ForeignScope_ResolvesFromRootChildrenOnly()
    {
        Assert.Same(typeof(BloodHound), _littleHounds.Get("hound.BloodHound")?.Type);
        Assert.Same(typeof(Dachshund), _littleHounds.Get("hound.little_hound.Dachshund")?.Type);
        Assert.Same(typeof(Beagle), _littleHounds.Get("hound.mid_hound.Beagle")?.Type);
        Assert.Same(typeof(LittlePedigreeSamoyed), _littleHounds.Get("samoyed.little_samoyed.LittlePedigreeSamoyed")?.Type);
        Assert.Same(typeof(PedigreeSamoyed), _midHounds.Get("samoyed.PedigreeSamoyed")?.Type);
        Assert.Null(_littleHounds.Get("mid_hound.Beagle"));
        Assert.Null(_littleSamoyeds.Get("hound.Dachshund"));
    }

    // REG-08: the root's own scope as a prefix selects the root ("mmengine.X" from any node).
    [Fact]
    public void Get_RootScopePrefix_SelectsRootFromAnyNode()
    {
        Assert.Same(typeof(GoldenRetriever), _littleHounds.Get("test_registry.GoldenRetriever")?.Type);
        Assert.Same(typeof(GoldenRetriever), _dogs.Get("test_registry.GoldenRetriever")?.Type);
        Assert.Null(_littleHounds.Get("test_registry.BloodHound"));
    }

    // REG-08: an unknown scope resolves to nothing (MMEngine: DOGS.get('samoyedddd.PedigreeSamoyed') is None).
    [Theory]
    [InlineData("test_registry", "samoyedddd.PedigreeSamoyed")]
    [InlineData("little_hound", "samoyedddd.PedigreeSamoyed")]
    [InlineData("test_registry", "mmengine.unknown")]
    public void Get_UnknownScope_ReturnsNull(string scope, string key)
    {
        Assert.Null(_dogs.SearchChild(scope)!.Get(key));
    }

    // REG-08: keys split on the first dot only.
    [Theory]
    [InlineData("hound.little_hound.Dachshund", "hound", "little_hound.Dachshund")]
    [InlineData("hound.BloodHound", "hound", "BloodHound")]
    [InlineData("BloodHound", null, "BloodHound")]
    public void SplitScopeKey_Key_SplitsOnFirstDot(string key, string? scope, string realKey)
    {
        Assert.Equal((scope, realKey), Kiln.Registry.Registry.SplitScopeKey(key));
    }

    // REG-01: SearchChild walks the subtree depth first, this node included, and never climbs.
    [Fact]
    public void SearchChild_Scope_FindsNodeInSubtreeOnly()
    {
        Assert.Same(_littleSamoyeds, _dogs.SearchChild("little_samoyed"));
        Assert.Same(_hounds, _hounds.SearchChild("hound"));
        Assert.Null(_hounds.SearchChild("samoyed"));
        Assert.Same(_dogs, _littleHounds.Root);
    }

    // REG-02: a second class under a taken name fails, naming both types, unless force replaces it.
    [Fact]
    public void Add_DuplicateName_ThrowsNamingBothTypesUnlessForced()
    {
        var e = Assert.Throws<KilnException>(() => Add(_hounds, typeof(Beagle), name: "BloodHound"));
        Assert.Contains(typeof(BloodHound).FullName!, e.Message);
        Assert.Contains(typeof(Beagle).FullName!, e.Message);
        Assert.Contains("hound::dogs", e.Message);

        Add(_hounds, typeof(Beagle), name: "BloodHound", force: true);
        Assert.Same(typeof(Beagle), _hounds.Get("BloodHound")?.Type);
    }

    // REG-02 (STYLE.md 6): registering the same class under the same name again is idempotent.
    [Fact]
    public void Add_SameRegistrationTwice_IsIdempotent()
    {
        Add(_hounds, typeof(BloodHound));
        Assert.Single(_hounds.Modules);
    }

    // REG-02: one class may be registered under several names (MMEngine's list of aliases).
    [Fact]
    public void Add_AliasForSameClass_ResolvesBothNames()
    {
        Add(_hounds, typeof(BloodHound), name: "Sleuth");
        Assert.Same(typeof(BloodHound), _hounds.Get("Sleuth")?.Type);
        Assert.Same(typeof(BloodHound), _hounds.Get("BloodHound")?.Type);
    }

    // REG-08: two children with one scope under one parent fail (MMEngine: "scope X exists in Y registry").
    [Fact]
    public void Constructor_DuplicateScopeUnderParent_Throws()
    {
        var e = Assert.Throws<KilnException>(() => new Kiln.Registry.Registry("dogs", "hound", _dogs));
        Assert.Contains("'hound'", e.Message);
        Assert.Same(_hounds, _dogs.Children["hound"]);
    }

    // REG-03: Modules holds this node's own registrations only.
    [Fact]
    public void Modules_Node_HoldsOwnRegistrationsOnly()
    {
        Assert.Equal(["Dachshund"], _littleHounds.Modules.Keys);
    }
    // REG-08/REG-09: MMEngine's test_get, every assertion in order (asking node, key, expected class or null).
    [Theory]
    [InlineData("test_registry", "GoldenRetriever", typeof(GoldenRetriever))]
    [InlineData("hound", "BloodHound", typeof(BloodHound))]
    [InlineData("test_registry", "hound.BloodHound", typeof(BloodHound))]
    [InlineData("hound", "hound.BloodHound", typeof(BloodHound))]
    [InlineData("hound", "GoldenRetriever", typeof(GoldenRetriever))]
    [InlineData("little_hound", "Dachshund", typeof(Dachshund))]
    [InlineData("little_hound", "hound.BloodHound", typeof(BloodHound))]
    [InlineData("hound", "little_hound.Dachshund", typeof(Dachshund))]
    [InlineData("test_registry", "hound.little_hound.Dachshund", typeof(Dachshund))]
    [InlineData("little_hound", "BloodHound", typeof(BloodHound))]
    [InlineData("little_hound", "GoldenRetriever", typeof(GoldenRetriever))]
    [InlineData("little_hound", "hound.mid_hound.Beagle", typeof(Beagle))]
    [InlineData("little_hound", "samoyed.PedigreeSamoyed", typeof(PedigreeSamoyed))]
    [InlineData("little_hound", "samoyed.little_samoyed.LittlePedigreeSamoyed", typeof(LittlePedigreeSamoyed))]
    [InlineData("hound", "samoyed.little_samoyed.LittlePedigreeSamoyed", typeof(LittlePedigreeSamoyed))]
    [InlineData("little_hound", "GoldenRetrieverererer", null)]
    [InlineData("test_registry", "samoyedddd.PedigreeSamoyed", null)]
    [InlineData("test_registry", "samoyed.LittlePedigreeSamoyed", null)]
    [InlineData("little_hound", "mid_hound.PedigreeSamoyedddddd", null)]
    public void Get_MMEngineTestGetMatrix_MatchesReference(string scope, string key, Type? expected)
    {
        Assert.Same(expected, _dogs.SearchChild(scope)!.Get(key)?.Type);
    }

    // REG-01: MMEngine's test__search_child, including the misses (a node never finds its parent or siblings).
    [Theory]
    [InlineData("test_registry", "hound", "hound")]
    [InlineData("test_registry", "not a child", null)]
    [InlineData("test_registry", "little_hound", "little_hound")]
    [InlineData("little_hound", "hound", null)]
    [InlineData("little_hound", "mid_hound", null)]
    public void SearchChild_MMEngineCases_MatchReference(string from, string scope, string? expected)
    {
        Assert.Equal(expected, _dogs.SearchChild(from)!.SearchChild(scope)?.Scope);
    }

    // REG-01: MMEngine's test__get_root_registry.
    [Fact]
    public void Root_EveryNode_IsDogs()
    {
        Assert.All(new[] { _dogs, _hounds, _littleHounds, _midHounds, _samoyeds, _littleSamoyeds }, n => Assert.Same(_dogs, n.Root));
    }
}
