using System.Globalization;
using System.Text;

namespace Kiln.Config;

/// <summary>Writes config values as Python literals (<c>{'a': 1, 'b': [1, 2]}</c>), for messages and dumps.</summary>
public static class ConfigFormatter
{
    public static string Format(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case string s: sb.Append(QuoteString(s)); break;
            case double d: sb.Append(FormatFloat(d)); break;
            case float f: sb.Append(FormatFloat(f)); break;
            case IFormattable n and (long or int or short or byte or sbyte or ushort or uint or ulong):
                sb.Append(n.ToString(null, CultureInfo.InvariantCulture)); break;
            case ConfigDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var (k, v) in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    sb.Append(QuoteString(k)).Append(": ");
                    Write(sb, v);
                }
                sb.Append('}');
                break;
            case object?[] tuple:
                sb.Append('(');
                for (int i = 0; i < tuple.Length; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Write(sb, tuple[i]);
                }
                if (tuple.Length == 1) sb.Append(',');
                sb.Append(')');
                break;
            // Only collections: a lazy sequence given as a config value (a ready DataLoader in Runner.Create) would be
            // run (a whole epoch of batches) just to print the config; it prints as its type name instead.
            case System.Collections.IEnumerable list when IsCollection(list):
                sb.Append('[');
                bool firstItem = true;
                foreach (var item in list)
                {
                    if (!firstItem) sb.Append(", ");
                    firstItem = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            default: sb.Append(value); break;
        }
    }

    private static bool IsCollection(object value) =>
        value is System.Collections.ICollection || value.GetType().GetInterfaces().Any(i => i.IsGenericType &&
            (i.GetGenericTypeDefinition() == typeof(IReadOnlyCollection<>) || i.GetGenericTypeDefinition() == typeof(ICollection<>)));

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, always with a dot or exponent.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (double.IsNaN(d)) return "nan";
        double abs = Math.Abs(d);
        if (abs != 0 && (abs >= 1e16 || abs < 1e-4))
        {
            // Python switches to exponent form outside [1e-4, 1e16): 1e-05, 1.5e+16. "R" gives the shortest
            // round-trip digits but not always in exponent form (1e16 comes back as "10000000000000000"),
            // so the exponent is computed from the digits rather than asked of .NET.
            string r = abs.ToString("R", CultureInfo.InvariantCulture);
            int e = r.IndexOfAny(['E', 'e']);
            string digits;
            int exponent;
            if (e >= 0)
            {
                digits = r[..e].Replace(".", "");
                exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            }
            else
            {
                int dot = r.IndexOf('.');
                string intPart = (dot < 0 ? r : r[..dot]).TrimStart('0');
                string frac = dot < 0 ? "" : r[(dot + 1)..];
                exponent = intPart.Length > 0 ? intPart.Length - 1 : -(frac.Length - frac.TrimStart('0').Length + 1);
                digits = (intPart + frac).TrimStart('0');
            }
            digits = digits.TrimEnd('0');
            if (digits.Length == 0) digits = "0";
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{(d < 0 ? "-" : "")}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }

    /// <summary>Python's <c>repr(str)</c>: single quotes unless the text holds a single quote and no double quote.</summary>
    public static string QuoteString(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < ' ') sb.Append($"\\x{(int)c:x2}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }
}
