namespace Kiln.Hooks;

/// <summary>
/// MMEngine's hook priorities (<c>runner/priority.py</c>); lower runs first, ties keep registration order.
/// <list type="table">
/// <item><term>HIGHEST</term><description>0</description></item>
/// <item><term>VERY_HIGH</term><description>10 (RuntimeInfoHook)</description></item>
/// <item><term>HIGH</term><description>30</description></item>
/// <item><term>ABOVE_NORMAL</term><description>40</description></item>
/// <item><term>NORMAL</term><description>50 (IterTimerHook, DistSamplerSeedHook)</description></item>
/// <item><term>BELOW_NORMAL</term><description>60 (LoggerHook)</description></item>
/// <item><term>LOW</term><description>70 (ParamSchedulerHook)</description></item>
/// <item><term>VERY_LOW</term><description>90 (CheckpointHook)</description></item>
/// <item><term>LOWEST</term><description>100</description></item>
/// </list>
/// </summary>
public static class HookPriority
{
    public const int Highest = 0;
    public const int VeryHigh = 10;
    public const int High = 30;
    public const int AboveNormal = 40;
    public const int Normal = 50;
    public const int BelowNormal = 60;
    public const int Low = 70;
    public const int VeryLow = 90;
    public const int Lowest = 100;

    private static readonly (string Name, int Value)[] Names =
    [
        ("HIGHEST", Highest), ("VERY_HIGH", VeryHigh), ("HIGH", High), ("ABOVE_NORMAL", AboveNormal),
        ("NORMAL", Normal), ("BELOW_NORMAL", BelowNormal), ("LOW", Low), ("VERY_LOW", VeryLow), ("LOWEST", Lowest),
    ];

    /// <summary>MMEngine's <c>get_priority</c>: a name (any case) or an integer in [0, 100].</summary>
    public static int Parse(object value) => value switch
    {
        int i when i is >= 0 and <= 100 => i,
        long l when l is >= 0 and <= 100 => (int)l,
        string s => Names.FirstOrDefault(n => string.Equals(n.Name, s, StringComparison.OrdinalIgnoreCase)) is { Name: not null } hit
            ? hit.Value
            : throw new KilnException($"priority '{s}' is not a priority name; valid: {string.Join(", ", Names.Select(n => n.Name))}, or an integer in [0, 100]."),
        _ => throw new KilnException($"priority {value} must be a priority name or an integer in [0, 100]."),
    };

    /// <summary>The name of a priority value, or its number when it has no name.</summary>
    public static string NameOf(int value) =>
        Names.FirstOrDefault(n => n.Value == value) is { Name: not null } hit ? hit.Name : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
