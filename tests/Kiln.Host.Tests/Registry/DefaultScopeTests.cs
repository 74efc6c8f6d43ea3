using Kiln.Registry;

namespace Kiln.Tests.Registry;

/// <summary>
/// The default scope (REG-10, REG-13; MMEngine's test_default_scope.py and test_switch_scope_and_registry): none by
/// default, switched for a block and restored after it, nested switches unwinding in order.
/// </summary>
public sealed class DefaultScopeTests
{
    // REG-13 (MMEngine test_get_current_instance: None before any instance exists).
    [Fact]
    public void Name_NothingSet_IsNull()
    {
        Assert.Null(DefaultScope.Name);
    }

    // REG-10 (MMEngine test_switch_scope_and_registry): nested switches restore the outer scope in turn.
    [Fact]
    public void Overwrite_Nested_RestoresEachOuterScope()
    {
        using (DefaultScope.Overwrite("chihuahua"))
        {
            Assert.Equal("chihuahua", DefaultScope.Name);
            using (DefaultScope.Overwrite("samoyed"))
            {
                Assert.Equal("samoyed", DefaultScope.Name);
                using (DefaultScope.Overwrite("hound")) Assert.Equal("hound", DefaultScope.Name);
                Assert.Equal("samoyed", DefaultScope.Name);
            }
            Assert.Equal("chihuahua", DefaultScope.Name);
            using (DefaultScope.Overwrite(null)) Assert.Equal("chihuahua", DefaultScope.Name);
        }
        Assert.Null(DefaultScope.Name);
    }

    // REG-10: the scope flows into work started inside the block (a build on another task sees it), and a switch
    // made on that task does not leak back.
    [Fact]
    public async Task Overwrite_FlowsIntoTasks_WithoutLeakingBack()
    {
        using (DefaultScope.Overwrite("vision"))
        {
            string? seen = await Task.Run(() => DefaultScope.Name);
            Assert.Equal("vision", seen);
            await Task.Run(() => { _ = DefaultScope.Overwrite("gan"); });
            Assert.Equal("vision", DefaultScope.Name);
        }
    }
}
