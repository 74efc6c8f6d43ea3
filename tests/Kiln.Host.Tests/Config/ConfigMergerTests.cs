using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

/// <summary>MMEngine's <c>_merge_a_into_b</c> rules and quirks (internals §3.2).</summary>
public class ConfigMergerTests
{
    private static string Merge(string child, string @base, bool allowListKeys = false) =>
        Repr(ConfigMerger.Merge(Py(child), Py(@base), allowListKeys));

    [Fact]
    public void Merge_DeleteWhenBaseLacksKey_DeleteKeySurvives()
    {
        // CFG-09: quirk, `k in b and not v.pop('_delete_')` short-circuits.
        Assert.Equal("{'y': 1, 'x': {'_delete_': True, 'a': 1}}", Merge("x = {'_delete_': True, 'a': 1}", "y = 1"));
    }

    [Fact]
    public void Merge_ListsAndTuples_ReplacedWholesale()
    {
        // CFG-08
        Assert.Equal("{'a': [{'c': 1}], 'b': (3,)}", Merge("a = [dict(c=1)]\nb = (3,)", "a = [dict(b=1, c=0)]\nb = (1, 2)"));
    }

    [Fact]
    public void Merge_NonDictOverDict_SilentlyReplaces()
    {
        // CFG-08
        Assert.Equal("{'a': 1}", Merge("a = 1", "a = dict(b=1)"));
    }

    [Fact]
    public void Merge_DeleteFalse_PoppedAndMerged()
    {
        // CFG-09
        Assert.Equal("{'a': {'b': 1, 'c': 2}}", Merge("a = dict(_delete_=False, c=2)", "a = dict(b=1)"));
    }

    [Fact]
    public void Merge_DoesNotMutateBase()
    {
        // CFG-07
        var @base = Py("a = dict(b=dict(c=1))");
        ConfigMerger.Merge(Py("a = dict(b=dict(d=2))"), @base, false);
        Assert.Equal("{'a': {'b': {'c': 1}}}", Repr(@base));
    }
}
