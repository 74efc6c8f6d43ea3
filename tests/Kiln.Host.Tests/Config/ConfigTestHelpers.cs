using Kiln.Config;

namespace Kiln.Tests.Config;

internal static class ConfigTestHelpers
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Config", "Fixtures", name);

    /// <summary>Options whose environment is exactly <paramref name="env"/>, so tests never read the process environment.</summary>
    public static ConfigLoadOptions Env(params (string Name, string Value)[] env)
    {
        var map = env.ToDictionary(e => e.Name, e => e.Value);
        return new ConfigLoadOptions { GetEnvironmentVariable = n => map.TryGetValue(n, out var v) ? v : null };
    }

    public static Kiln.Config.Config Load(string name, ConfigLoadOptions? options = null) =>
        Kiln.Config.Config.FromFile(Fixture(name), options ?? Env());

    /// <summary>Python's repr of a value: asserting on it checks types too (1 vs 1.0, tuple vs list).</summary>
    public static string Repr(object? value) => ConfigFormatter.Format(value);

    public static ConfigDict Py(string source) => Kiln.Config.Config.FromString(source, ".py", Env()).Dict;
}
