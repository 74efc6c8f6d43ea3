using System.Text;

namespace Kiln.Config;

/// <summary>
/// MMEngine's <c>Config.pretty_text</c>: keys sorted by ordinal string order, <c>key = value</c> at the top
/// level, <c>dict(key=value)</c> inside, and <c>{'key': value}</c> when a key is not an identifier.
/// </summary>
/// <remarks>
/// MMEngine formats with yapf afterwards; we format directly in yapf's pep8 shape instead: a value stays on one
/// line when it fits in 79 columns, otherwise it breaks after the opening bracket with a 4-space indent.
/// Unlike MMEngine, a key that is a Python keyword (<c>class</c>) uses the mapping form, so the text always
/// reloads; infinities and NaN are written <c>float('inf')</c> for the same reason.
/// </remarks>
internal static class ConfigPrettyPrinter
{
    private const int MaxWidth = 79;
    private const string Indent = "    ";

    private static readonly HashSet<string> PythonKeywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ];

    public static string Format(ConfigDict dict)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in dict.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!IsIdentifier(key, allowKeywords: false))
                throw new ConfigException($"cannot write top-level key '{key}' as a Python config: it is not an identifier");
            string prefix = key + " = ";
            sb.Append(prefix).Append(Value(value, "", prefix.Length)).Append('\n');
        }
        return sb.ToString();
    }

    public static bool IsIdentifier(string s, bool allowKeywords)
    {
        if (s.Length == 0 || !(char.IsLetter(s[0]) || s[0] == '_')) return false;
        foreach (char c in s) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return allowKeywords || !PythonKeywords.Contains(s);
    }

    /// <summary>Renders a value starting at column <paramref name="column"/> whose continuation lines start with <paramref name="indent"/>.</summary>
    private static string Value(object? value, string indent, int column)
    {
        string flat = Flat(value);
        if (column + flat.Length <= MaxWidth || !IsContainer(value)) return flat;
        string inner = indent + Indent;
        switch (value)
        {
            case ConfigDict d:
            {
                bool mapping = UsesMapping(d);
                var items = Sorted(d).Select(kv =>
                {
                    string head = mapping ? ConfigFormatter.QuoteString(kv.Key) + ": " : kv.Key + "=";
                    return head + Value(kv.Value, inner, inner.Length + head.Length);
                }).ToList();
                if (items.Count == 0) return flat;
                return mapping
                    ? "dict({\n" + string.Join(",\n", items.Select(i => inner + i)) + ",\n" + indent + "})"
                    : "dict(\n" + string.Join(",\n", items.Select(i => inner + i)) + ")";
            }
            default:
            {
                var seq = (IReadOnlyList<object?>)value!;
                if (seq.Count == 0) return flat;
                string open = value is object?[] ? "(" : "[", close = value is object?[] ? ")" : "]";
                return open + "\n" + string.Join("", seq.Select(x => inner + Value(x, inner, inner.Length) + ",\n")) + indent + close;
            }
        }
    }

    private static bool IsContainer(object? v) => v is ConfigDict or List<object?> or object?[];

    private static bool UsesMapping(ConfigDict d) => d.Keys.Any(k => !IsIdentifier(k, allowKeywords: false));

    private static IEnumerable<KeyValuePair<string, object?>> Sorted(ConfigDict d) => d.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private static string Flat(object? value)
    {
        switch (value)
        {
            case ConfigDict d:
                if (UsesMapping(d))
                    return "{" + string.Join(", ", Sorted(d).Select(kv => ConfigFormatter.QuoteString(kv.Key) + ": " + Flat(kv.Value))) + "}";
                return "dict(" + string.Join(", ", Sorted(d).Select(kv => kv.Key + "=" + Flat(kv.Value))) + ")";
            case List<object?> l:
                return "[" + string.Join(", ", l.Select(Flat)) + "]";
            case object?[] t:
                return "(" + string.Join(", ", t.Select(Flat)) + (t.Length == 1 ? ",)" : ")");
            case double x when !double.IsFinite(x):
                return double.IsNaN(x) ? "float('nan')" : x > 0 ? "float('inf')" : "float('-inf')";
            default:
                return ConfigFormatter.Format(value);
        }
    }
}
