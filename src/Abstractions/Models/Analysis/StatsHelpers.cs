namespace Kiln.Models.Analysis;

/// <summary>fvcore's <c>print_model_statistics</c> helpers as MMEngine's <c>print_helper.py</c> has them.</summary>
internal static class StatsHelpers
{
    public static bool IsDirectChild(string mod, string prefix) =>
        mod.Length > 0 && Dots(mod) == Dots(prefix) && mod.StartsWith(prefix, StringComparison.Ordinal);

    public static string PrefixOf(string name) => name + (name.Length > 0 ? "." : "");

    private static int Dots(string s) => s.Count(c => c == '.');

    /// <summary><c>_group_by_module</c>: {stat: {module: v}} to {module: {stat: v}}, keeping first-seen order.</summary>
    public static OrderedDictionary<string, OrderedDictionary<string, long>> GroupByModule(IEnumerable<(string Stat, OrderedDictionary<string, long> Values)> statistics)
    {
        var result = new OrderedDictionary<string, OrderedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (stat, values) in statistics)
            foreach (var (mod, v) in values)
            {
                if (!result.TryGetValue(mod, out var row)) result[mod] = row = new OrderedDictionary<string, long>(StringComparer.Ordinal);
                row[stat] = v;
            }
        return result;
    }

    /// <summary><c>_remove_zero_statistics</c>: drops modules whose statistics are all zero (unless kept or, when asked, a child is kept).</summary>
    public static OrderedDictionary<string, OrderedDictionary<string, long>> RemoveZero(
        OrderedDictionary<string, OrderedDictionary<string, long>> statistics, ISet<string>? forceKeep, bool requireTrivialChildren)
    {
        var keep = forceKeep is { Count: > 0 } ? forceKeep : new HashSet<string> { "" };
        var kept = new HashSet<string>(StringComparer.Ordinal);
        void KeepStat(string name)
        {
            string prefix = PrefixOf(name);
            bool trivialChildren = true;
            foreach (var mod in statistics.Keys.ToList())
                if (IsDirectChild(mod, prefix))
                {
                    KeepStat(mod);
                    trivialChildren &= !kept.Contains(mod);
                }
            if (statistics[name].Values.Any(v => v != 0) || keep.Contains(name) || (requireTrivialChildren && !trivialChildren))
                kept.Add(name);
        }
        KeepStat("");
        var result = new OrderedDictionary<string, OrderedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (mod, row) in statistics)
            if (kept.Contains(mod)) result[mod] = new OrderedDictionary<string, long>(row, StringComparer.Ordinal);
        return result;
    }

    /// <summary><c>_pretty_statistics</c>.</summary>
    public static OrderedDictionary<string, OrderedDictionary<string, string>> Pretty(
        OrderedDictionary<string, OrderedDictionary<string, long>> statistics, int sigFigs, bool hideZero)
    {
        var result = new OrderedDictionary<string, OrderedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (mod, row) in statistics)
        {
            var pretty = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (stat, v) in row) pretty[stat] = SizeFormat.Format(v, sigFigs, hideZero);
            result[mod] = pretty;
        }
        return result;
    }

    /// <summary><c>_indicate_uncalled_modules</c>.</summary>
    public static void IndicateUncalled(OrderedDictionary<string, OrderedDictionary<string, string>> statistics, string stat, IEnumerable<string> uncalled, string indicator)
    {
        foreach (var mod in uncalled)
        {
            if (!statistics.TryGetValue(mod, out var row)) statistics[mod] = row = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            row[stat] = indicator;
        }
    }
}
