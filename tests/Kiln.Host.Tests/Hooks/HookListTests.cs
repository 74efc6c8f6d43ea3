using Kiln.Hooks;
using Kiln.Loops;

namespace Kiln.Tests.Hooks;

/// <summary>Hook priorities and ordering (HOOK-02: MMEngine's register_hook, ties keep registration order).</summary>
public class HookListTests
{
    private sealed class Named(string name, int priority) : Hook
    {
        public string Name { get; } = name;
        public override int Priority => priority;
    }

    [Fact]
    public void Add_MixedPriorities_SortsByPriorityThenRegistration()
    {
        var list = new HookList();
        list.Add(new Named("checkpoint", HookPriority.VeryLow));
        list.Add(new Named("a", HookPriority.Normal));
        list.Add(new Named("runtime", HookPriority.VeryHigh));
        list.Add(new Named("b", HookPriority.Normal));
        list.Add(new Named("override", HookPriority.Lowest), priority: HookPriority.Highest);
        Assert.Equal(["override", "runtime", "a", "b", "checkpoint"], list.Hooks.Cast<Named>().Select(h => h.Name));
        Assert.Equal(HookPriority.Highest, list.Entries[0].Priority);
    }

    [Theory]
    [InlineData("highest", 0)]
    [InlineData("VERY_HIGH", 10)]
    [InlineData("Normal", 50)]
    [InlineData("below_normal", 60)]
    [InlineData("VERY_LOW", 90)]
    [InlineData("LOWEST", 100)]
    public void Parse_Names_CaseInsensitive(string name, int value) => Assert.Equal(value, HookPriority.Parse(name));

    [Fact]
    public void Parse_OutOfRange_IsClearError()
    {
        Assert.Equal(42, HookPriority.Parse(42L));
        var e = Assert.Throws<KilnException>(() => HookPriority.Parse(101L));
        Assert.Contains("[0, 100]", e.Message);
        var n = Assert.Throws<KilnException>(() => HookPriority.Parse("LOUD"));
        Assert.Contains("VERY_HIGH", n.Message);
    }
}
