using Kiln.Config;
using static Kiln.Tests.Config.ConfigTestHelpers;

namespace Kiln.Tests.Config;

public class ConfigSafetyTests
{
    [Theory]
    [InlineData("x = 1 ** 1000000000000000000", null)]
    [InlineData("x = 'ab' * 100000000", "too large")]
    [InlineData("x = [0]\nfor _ in range(40):\n    x = x + x", "more than a config may build")]
    [InlineData("x = f'{1:999999999}'", "more than a config may build")]
    [InlineData("x = []\nx.append(x)", "contains itself")]
    [InlineData("x = []\nx.append(x)\ny = str(x)", "nested more than 100 levels")]
    [InlineData("x = 2 ** 64", "integer overflow")]
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
}
