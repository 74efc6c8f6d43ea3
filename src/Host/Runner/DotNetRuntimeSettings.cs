using System.Globalization;

namespace Kiln;

/// <summary>
/// The .NET runtime settings that shape a long run's memory, as the start-up "System environment:" block reports
/// them: the garbage collector's flavour and gen-0 budget cap (the GC's own view, <see cref="GC.GetConfigurationVariables"/>,
/// so an environment variable that overrides runtimeconfig.json shows), and whether tiered PGO is on. Kiln's
/// executables cap gen-0 at 4 MiB and turn tiered PGO off (Directory.Build.targets; docs/performance.md says why).
/// </summary>
public static class DotNetRuntimeSettings
{
    /// <summary>
    /// The gen-0 budget cap in bytes that the GC applies: the configured one, else the runtime's default, which it sizes
    /// from the L3 cache (16 MiB on a 32 MiB L3); 0 on a runtime that does not report it.
    /// </summary>
    public static long Gen0MaxBudget => Gen0MaxBudgetOf(GC.GetConfigurationVariables());

    private static long Gen0MaxBudgetOf(IReadOnlyDictionary<string, object> gc) =>
        gc.TryGetValue("GCGen0MaxBudget", out var value) ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;

    /// <summary>
    /// Whether tiered PGO is on: <c>DOTNET_TieredPGO</c> (or <c>COMPlus_TieredPGO</c>) where set, as the runtime reads it
    /// first, else runtimeconfig.json's <c>System.Runtime.TieredPGO</c>, else the runtime's default (on).
    /// </summary>
    public static bool TieredPgo
    {
        get
        {
            foreach (var name in new[] { "DOTNET_TieredPGO", "COMPlus_TieredPGO" })
                if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } text)
                    return text.Trim() != "0";
            return AppContext.GetData("System.Runtime.TieredPGO") switch
            {
                bool b => b,
                string s => !s.Equals("false", StringComparison.OrdinalIgnoreCase) && s != "0",
                _ => true,
            };
        }
    }

    /// <summary>One line, e.g. "workstation GC, concurrent, gen-0 budget at most 4 MiB; tiered PGO off".</summary>
    public static string Describe()
    {
        var gc = GC.GetConfigurationVariables();
        bool server = gc.TryGetValue("ServerGC", out var s) && s is true;
        bool concurrent = gc.TryGetValue("ConcurrentGC", out var c) && c is true;
        long cap = Gen0MaxBudgetOf(gc);
        string budget = cap > 0
            ? string.Create(CultureInfo.InvariantCulture, $"gen-0 budget at most {(cap % 1048576 == 0 ? $"{cap / 1048576} MiB" : $"{cap / 1024.0:0.#} KiB")}")
            : "gen-0 budget not reported";
        return $"{(server ? "server" : "workstation")} GC, {(concurrent ? "concurrent" : "non-concurrent")}, {budget}; tiered PGO {(TieredPgo ? "on" : "off")}";
    }
}
