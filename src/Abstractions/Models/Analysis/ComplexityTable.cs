using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.Analysis;

/// <summary>MMEngine's <c>complexity_stats_table</c> (ANA-03): modules to depth 3, parameter rows with shapes.</summary>
internal static class ComplexityTable
{
    private const string ParamsHeader = "#parameters or shape", FlopsHeader = "#flops", ActsHeader = "#activations";

    public static string Format(nn.Module model, ModuleTrace trace, OrderedDictionary<string, long> paramCount, int maxDepth = 3)
    {
        var grouped = StatsHelpers.GroupByModule([(ParamsHeader, paramCount), (FlopsHeader, trace.Flops), (ActsHeader, trace.Activations)]);
        var kept = StatsHelpers.RemoveZero(grouped, null, requireTrivialChildren: true);
        var stats = StatsHelpers.Pretty(kept, 3, hideZero: false);
        StatsHelpers.IndicateUncalled(stats, FlopsHeader, trace.Uncalled.Where(stats.ContainsKey).ToList(), "");
        StatsHelpers.IndicateUncalled(stats, ActsHeader, trace.Uncalled.Where(stats.ContainsKey).ToList(), "");
        foreach (var (name, param) in model.named_parameters())
            if (stats.TryGetValue(name, out var row)) row[ParamsHeader] = PyTuple(param.shape);

        string[] columns = [ParamsHeader, FlopsHeader, ActsHeader];
        var table = new List<string[]>();
        string[] Row(string name, OrderedDictionary<string, string> s, int indent)
        {
            string pad = new(' ', indent);
            return [pad + name, .. columns.Select(c => s.TryGetValue(c, out var v) ? pad + v : "")];
        }

        var (rootName, rootStats) = FastForward("", stats);
        table.Add(Row(rootName.Length > 0 ? rootName : "model", rootStats, 0));
        string rootPrefix = StatsHelpers.PrefixOf(rootName);
        void Fill(int indent, string prefix)
        {
            if (indent > maxDepth) return;
            foreach (var mod in stats.Keys.ToList())
            {
                if (!StatsHelpers.IsDirectChild(mod, prefix)) continue;
                var (name, current) = FastForward(mod, stats);
                string pretty = rootPrefix.Length > 0 && name.StartsWith(rootPrefix, StringComparison.Ordinal) ? name[rootPrefix.Length..] : name;
                table.Add(Row(pretty, current, indent));
                Fill(indent + 1, name + ".");
            }
        }
        Fill(1, rootPrefix);
        return Grid(["module", .. columns], table);
    }

    // _fastforward: merge a module with its only child while their statistics agree.
    private static (string, OrderedDictionary<string, string>) FastForward(string name, OrderedDictionary<string, OrderedDictionary<string, string>> stats)
    {
        string prefix = StatsHelpers.PrefixOf(name);
        string? child = null;
        foreach (var mod in stats.Keys)
        {
            if (!StatsHelpers.IsDirectChild(mod, prefix)) continue;
            if (child is not null) return (name, stats[name]);
            child = mod;
        }
        if (child is null) return (name, stats[name]);
        var a = stats[name];
        var b = stats[child];
        if (!a.Keys.ToHashSet().SetEquals(b.Keys)) return (name, a);
        var combined = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v1) in a)
        {
            string v2 = b[k];
            if (v1 != v2 && v1.Length > 0 && v2.Length > 0) return (name, a);
            combined[k] = v1.Length > 0 ? v1 : v2;
        }
        stats[child] = combined;
        return FastForward(child, stats);
    }

    /// <summary>The table as MMEngine's documentation prints it: '+---+' borders, left-aligned cells, whitespace kept.</summary>
    internal static string Grid(string[] headers, List<string[]> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string border = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        string Line(string[] cells) => "|" + string.Join("|", cells.Select((c, i) => " " + c.PadRight(widths[i]) + " ")) + "|";
        var sb = new StringBuilder();
        sb.Append(border).Append('\n').Append(Line(headers)).Append('\n').Append(border).Append('\n');
        foreach (var row in rows) sb.Append(Line(row)).Append('\n');
        sb.Append(border);
        return sb.ToString();
    }

    internal static string PyTuple(long[] shape) => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
}
