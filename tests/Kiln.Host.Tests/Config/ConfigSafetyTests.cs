using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

public class ConfigSafetyTests
{
    [Theory]
    [InlineData("x = 1 ** 1000000000000000000", null)]
    [InlineData("x = 'ab' * 100000000", "too large")]
    [InlineData("x = [0]\nfor _ in range(40):\n    x = x + x", "exceeded its evaluation budget")] // the copying counts as work
    [InlineData("x = [0] * 20000000", "too large")]
    [InlineData("x = f'{1:999999999}'", "more than a config may build")]
    [InlineData("x = []\nx.append(x)", "contains itself")]
    [InlineData("x = []\nx.append(x)\ny = str(x)", "nested more than 100 levels")]
    [InlineData("x = 2 ** 64", "integer overflow")]
    [InlineData("x = [[[1", "'[' was never closed")]
    public void FromString_HostileConfig_FailsCleanly(string source, string? message)
    {
        // CFG-20: a config can never hang or exhaust the host.
        if (message is null)
        {
            Assert.Equal(1L, Py(source)["x"]);
            return;
        }
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(1000, "(", ")", "nested more than 200 levels")]
    [InlineData(1000, "-", "", "nested more than 200 levels")]
    [InlineData(1000, "not ", "", "nested more than 200 levels")]
    [InlineData(1000, "[", "]", "nested more than 200 levels")]
    public void FromString_DeeplyNestedExpression_ErrorInsteadOfStackOverflow(int depth, string open, string close, string message)
    {
        // CFG-20
        string source = "x = " + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FromString_LongFlatChain_ErrorInsteadOfStackOverflow()
    {
        // CFG-20: `1 + 1 + ...` parses flat but evaluates as a deep left-leaning tree.
        string source = "x = " + string.Join(" + ", Enumerable.Repeat("1", 5000));
        var e = Assert.Throws<ConfigException>(() => Kiln.Config.Config.FromString(source, ".py", Env()));
        Assert.Contains("nested more than 500 levels", e.Message);
    }
}
