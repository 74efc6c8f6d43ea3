using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Models.Analysis;

/// <summary>MMEngine's <c>complexity_stats_str</c> (ANA-04): the model's repr with '#params, #flops, #acts' lines.</summary>
internal static class ComplexityArch
{
    public static string Format(nn.Module model, ModuleTrace trace, OrderedDictionary<string, long> paramCount)
    {
        var stats = new (string Stat, OrderedDictionary<string, long> Values)[]
        {
            ("#params", new OrderedDictionary<string, long>(paramCount, StringComparer.Ordinal)),
            ("#flops", new OrderedDictionary<string, long>(trace.Flops, StringComparer.Ordinal)),
            ("#acts", new OrderedDictionary<string, long>(trace.Activations, StringComparer.Ordinal)),
        };
        foreach (var (name, _) in ComplexityAnalysis.NamedModules(model))
            foreach (var (_, values) in stats)
                values.TryAdd(name, 0);
        var grouped = StatsHelpers.GroupByModule(stats);
        var kept = StatsHelpers.RemoveZero(grouped, trace.Uncalled, requireTrivialChildren: false);
        var pretty = StatsHelpers.Pretty(kept, 2, hideZero: false);
        StatsHelpers.IndicateUncalled(pretty, "#flops", trace.Uncalled, "N/A");
        StatsHelpers.IndicateUncalled(pretty, "#acts", trace.Uncalled, "N/A");
        string header = trace.Uncalled.Count > 0
            ? "N/A indicates a possibly missing statistic due to how the module was called. Missing values are still included in the parent's total.\n"
            : "";
        return header + Repr(model, "", pretty);
    }

    private static string Repr(nn.Module module, string name, OrderedDictionary<string, OrderedDictionary<string, string>> stats)
    {
        var extraLines = new List<string>();
        string extra = ExtraRepr(module);
        if (extra.Length > 0) extraLines.AddRange(extra.Split('\n'));
        if (stats.TryGetValue(name, out var row) && row.Count > 0)
            extraLines.Add(string.Join(", ", row.Select(kv => $"{kv.Key}: {kv.Value}")));
        var childLines = new List<string>();
        foreach (var (key, child) in module.named_children())
        {
            string childName = name + (name.Length > 0 ? "." : "") + key;
            childLines.Add("(" + key + "): " + AddIndent(Repr(child, childName, stats), 2));
        }
        var lines = extraLines.Concat(childLines).ToList();
        string main = TypeName(module) + "(";
        if (lines.Count > 0)
        {
            if (extraLines.Count == 1 && childLines.Count == 0) main += extraLines[0];
            else main += "\n  " + string.Join("\n  ", lines) + "\n";
        }
        return main + ")";
    }

    private static string AddIndent(string s, int spaces)
    {
        var lines = s.Split('\n');
        if (lines.Length == 1) return s;
        return lines[0] + "\n" + string.Join("\n", lines.Skip(1).Select(l => new string(' ', spaces) + l));
    }

    internal static string TypeName(nn.Module module)
    {
        string n = module.GetType().Name;
        return n.IndexOf('`') is var i and >= 0 ? n[..i] : n;
    }

    /// <summary>PyTorch's <c>extra_repr</c> for the common layers, read from TorchSharp's public members.</summary>
    internal static string ExtraRepr(nn.Module module)
    {
        switch (module)
        {
            case Linear:
            {
                var w = Param(module, "weight")!;
                return $"in_features={w.shape[1]}, out_features={w.shape[0]}, bias={Py(Param(module, "bias") is not null)}";
            }
            case Conv1d or Conv2d or Conv3d:
            {
                var w = Param(module, "weight")!;
                int dims = (int)w.dim() - 2;
                long groups = Member(module, "groups") is { } g ? Convert.ToInt64(g, CultureInfo.InvariantCulture) : 1;
                string s = $"{w.shape[1] * groups}, {w.shape[0]}, kernel_size={Tuple(w.shape.Skip(2))}, stride={Tuple(Member(module, "stride"), dims, 1)}";
                string padding = Tuple(Member(module, "padding"), dims, 0);
                if (padding != Tuple(Enumerable.Repeat(0L, dims))) s += $", padding={padding}";
                string dilation = Tuple(Member(module, "dilation"), dims, 1);
                if (dilation != Tuple(Enumerable.Repeat(1L, dims))) s += $", dilation={dilation}";
                if (groups != 1) s += $", groups={groups}";
                if (Param(module, "bias") is null) s += ", bias=False";
                return s;
            }
            case BatchNorm1d or BatchNorm2d or BatchNorm3d:
            {
                var runningMean = module.named_buffers(recurse: false).FirstOrDefault(b => b.name == "running_mean").buffer;
                long features = Param(module, "weight")?.shape[0] ?? runningMean?.shape[0] ?? 0;
                string eps = Member(module, "eps") is { } e ? PyFloat(Convert.ToDouble(e, CultureInfo.InvariantCulture)) : "1e-05";
                string momentum = Member(module, "momentum") is { } m ? PyFloat(Convert.ToDouble(m, CultureInfo.InvariantCulture)) : "0.1";
                return $"{features}, eps={eps}, momentum={momentum}, affine={Py(Param(module, "weight") is not null)}, track_running_stats={Py(runningMean is not null)}";
            }
            case ReLU:
                return Member(module, "inplace") is true ? "inplace=True" : "";
            case MaxPool2d:
                return $"kernel_size={Scalar(Member(module, "kernel_size"))}, stride={Scalar(Member(module, "stride"))}, padding={Scalar(Member(module, "padding"), "0")}, "
                    + $"dilation={Scalar(Member(module, "dilation"), "1")}, ceil_mode={Py(Member(module, "ceil_mode") is true)}";
            case AdaptiveAvgPool2d:
                return $"output_size={Tuple(Member(module, "output_size"), 2, 1)}";
            default:
                return "";
        }
    }

    private static Tensor? Param(nn.Module module, string name) =>
        module.named_parameters(recurse: false).Where(p => p.name == name).Select(p => (Tensor?)p.parameter).FirstOrDefault();

    private static object? Member(nn.Module module, string name)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.IgnoreCase;
        for (var t = module.GetType(); t is not null && t != typeof(object); t = t.BaseType)
        {
            if (t.GetProperty(name, flags | BindingFlags.DeclaredOnly) is { } p && p.GetIndexParameters().Length == 0) return p.GetValue(module);
            if (t.GetField(name, flags | BindingFlags.DeclaredOnly) is { } f) return f.GetValue(module);
        }
        return null;
    }

    private static IEnumerable<long>? Longs(object? value) => value switch
    {
        null => null,
        long l => [l],
        int i => [i],
        ITuple tuple => Enumerable.Range(0, tuple.Length).Select(k => Convert.ToInt64(tuple[k], CultureInfo.InvariantCulture)),
        IEnumerable e and not string => e.Cast<object>().Select(o => Convert.ToInt64(o, CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static string Tuple(object? value, int dims, long fallback)
    {
        var values = Longs(value)?.ToList() ?? [fallback];
        if (values.Count == 1 && dims > 1) values = Enumerable.Repeat(values[0], dims).ToList();
        return Tuple(values);
    }

    private static string Tuple(IEnumerable<long> values)
    {
        var list = values.ToList();
        return list.Count == 1 ? $"({list[0]},)" : "(" + string.Join(", ", list) + ")";
    }

    private static string Scalar(object? value, string fallback = "?")
    {
        var values = Longs(value)?.ToList();
        if (values is null || values.Count == 0) return fallback;
        return values.Distinct().Count() == 1 ? values[0].ToString(CultureInfo.InvariantCulture) : Tuple(values);
    }

    private static string Py(bool b) => b ? "True" : "False";

    private static string PyFloat(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E'))
        {
            int e = s.IndexOf('E');
            string exp = s[(e + 1)..];
            char sign = exp[0] == '-' ? '-' : '+';
            s = s[..e] + "e" + sign + exp.TrimStart('+', '-').PadLeft(2, '0');
        }
        else if (!s.Contains('.')) s += ".0";
        return s;
    }
}
