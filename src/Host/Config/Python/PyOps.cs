using System.Globalization;
using System.Text;

namespace Kiln.Config.Python;

/// <summary>Python semantics of the value model: truthiness, equality, ordering, <c>str</c>/<c>repr</c>, arithmetic.</summary>
internal static class PyOps
{
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        ConfigDict => "dict",
        PySet => "set",
        PyBuiltin b => b.ToString().StartsWith("<class", StringComparison.Ordinal) ? "type" : "builtin_function_or_method",
        PyMethod => "builtin_function_or_method",
        _ => v.GetType().Name,
    };

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        object?[] t => t.Length > 0,
        ConfigDict d => d.Count > 0,
        PySet s => s.Items.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new PyError($"expected a number, got {TypeName(v)} {Repr(v)}"),
    };

    public static long ToLong(object? v, string what = "an integer") => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new PyError($"expected {what} (int), got {TypeName(v)} {Repr(v)}"),
    };

    public static bool Eq(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a) == ToDouble(b);
            return ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case string s: return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case List<object?> l: return b is List<object?> m && SeqEq(l, m);
            case object?[] lt: return b is object?[] mt && SeqEq(lt, mt);
            case ConfigDict d:
                if (b is not ConfigDict e || d.Count != e.Count) return false;
                foreach (var (k, v) in d)
                    if (!e.TryGetValue(k, out var w) || !Eq(v, w)) return false;
                return true;
            case PySet ps: return b is PySet pt && ps.Items.Count == pt.Items.Count && ps.Items.All(pt.Contains);
            default: return a.Equals(b);
        }
    }

    private static bool SeqEq(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (!Eq(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Python's ordering (<c>&lt;</c> and friends) for numbers, strings, lists and tuples.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return ToDouble(a).CompareTo(ToDouble(b));
            return ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string s && b is string t) return Math.Sign(string.CompareOrdinal(s, t));
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var x = (IReadOnlyList<object?>)a;
            var y = (IReadOnlyList<object?>)b;
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
                if (!Eq(x[i], y[i])) return Compare(x[i], y[i], op);
            return x.Count.CompareTo(y.Count);
        }
        throw new PyError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static void CheckHashable(object? v)
    {
        if (v is List<object?> or ConfigDict or PySet) throw new PyError($"unhashable type: '{TypeName(v)}'");
        if (v is object?[] t) foreach (var x in t) CheckHashable(x);
    }

    public static string Str(object? v) => v switch
    {
        string s => s,
        _ => Repr(v),
    };

    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        WriteRepr(sb, v, 0);
        return sb.ToString();
    }

    private const int MaxDepth = 100;

    private static void WriteRepr(StringBuilder sb, object? v, int depth)
    {
        // A list that contains itself would recurse forever; no real config nests this deep.
        if (depth > MaxDepth) throw new PyError($"value nested more than {MaxDepth} levels deep (does a list or dict contain itself?)");
        switch (v)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(ConfigFormatter.FormatFloat(d)); break;
            case string s: sb.Append(ConfigFormatter.QuoteString(s)); break;
            case List<object?> list: WriteSeq(sb, list, "[", "]", false, depth); break;
            case object?[] tuple: WriteSeq(sb, tuple, "(", ")", tuple.Length == 1, depth); break;
            case PySet set:
                if (set.Items.Count == 0) sb.Append("set()");
                else WriteSeq(sb, set.Items, "{", "}", false, depth);
                break;
            case ConfigDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var (k, x) in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    sb.Append(ConfigFormatter.QuoteString(k)).Append(": ");
                    WriteRepr(sb, x, depth + 1);
                }
                sb.Append('}');
                break;
            default: sb.Append(v); break;
        }
    }

    private static void WriteSeq(StringBuilder sb, IReadOnlyList<object?> items, string open, string close, bool trailingComma, int depth)
    {
        sb.Append(open);
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            WriteRepr(sb, items[i], depth + 1);
        }
        if (trailingComma) sb.Append(',');
        sb.Append(close);
    }

    /// <summary>The items of an iterable, as Python's <c>for</c> sees them (a dict yields its keys).</summary>
    public static IReadOnlyList<object?> Iterate(object? v) => v switch
    {
        List<object?> l => l,
        object?[] t => t,
        string s => s.Select(c => (object?)c.ToString()).ToList(),
        ConfigDict d => d.Keys.Select(k => (object?)k).ToList(),
        PySet set => set.Items,
        _ => throw new PyError($"'{TypeName(v)}' object is not iterable"),
    };

    public static long Len(object? v) => v switch
    {
        string s => s.Length,
        List<object?> l => l.Count,
        object?[] t => t.Length,
        ConfigDict d => d.Count,
        PySet s => s.Items.Count,
        _ => throw new PyError($"object of type '{TypeName(v)}' has no len()"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string t ? s.Contains(t, StringComparison.Ordinal)
            : throw new PyError($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        ConfigDict d => item is string k && d.ContainsKey(k),
        PySet set => set.Contains(item),
        List<object?> or object?[] => ((IReadOnlyList<object?>)container).Any(x => Eq(x, item)),
        _ => throw new PyError($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>Python's index normalisation: negative counts from the end; out of range is an error.</summary>
    public static int NormalizeIndex(object? index, int count, string what)
    {
        if (index is not (long or bool))
            throw new PyError($"{what} indices must be integers or slices, not {TypeName(index)}");
        long i = ToLong(index);
        if (i < 0) i += count;
        if (i < 0 || i >= count) throw new PyError($"{what} index {ToLong(index)} out of range (length {count})");
        return (int)i;
    }

    /// <summary>Python's <c>slice.indices</c>: the positions a slice selects.</summary>
    public static List<int> SliceIndices(object? lower, object? upper, object? step, int count)
    {
        long st = step is null ? 1 : ToLong(step, "a slice step");
        if (st == 0) throw new PyError("slice step cannot be zero");
        long Clamp(object? v, long dflt)
        {
            if (v is null) return dflt;
            long x = ToLong(v, "a slice index");
            if (x < 0) x += count;
            if (st > 0) return Math.Clamp(x, 0, count);
            return Math.Clamp(x, -1, count - 1);
        }
        long start = Clamp(lower, st > 0 ? 0 : count - 1);
        long stop = Clamp(upper, st > 0 ? count : -1);
        var result = new List<int>();
        for (long i = start; st > 0 ? i < stop : i > stop; i += st) result.Add((int)i);
        return result;
    }
}
