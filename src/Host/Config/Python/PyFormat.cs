using System.Globalization;
using System.Text;

namespace Kiln.Config.Python;

/// <summary>Python's string formatting: the format-spec mini-language, <c>str.format</c> and <c>%</c>.</summary>
internal static class PyFormat
{
    /// <summary><c>format(value, spec)</c>: <c>[[fill]align][sign][#][0][width][,|_][.precision][type]</c>.</summary>
    public static string FormatSpec(object? value, string spec)
    {
        if (spec.Length == 0) return PyOps.Str(value);
        int i = 0;
        char fill = ' ';
        char align = '\0';
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=') { fill = spec[0]; align = spec[1]; i = 2; }
        else if (spec[0] is '<' or '>' or '^' or '=') { align = spec[0]; i = 1; }
        char sign = '-';
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') sign = spec[i++];
        bool alt = false;
        if (i < spec.Length && spec[i] == '#') { alt = true; i++; }
        if (i < spec.Length && spec[i] == '0' && align == '\0') { fill = '0'; align = '='; i++; }
        int width = 0;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) width = (int)Math.Min(int.MaxValue, width * 10L + (spec[i++] - '0'));
        char grouping = '\0';
        if (i < spec.Length && spec[i] is ',' or '_') grouping = spec[i++];
        int precision = -1;
        if (i < spec.Length && spec[i] == '.')
        {
            i++;
            precision = 0;
            if (i >= spec.Length || !char.IsAsciiDigit(spec[i])) throw new PyError($"Format specifier missing precision in '{spec}'");
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) precision = precision * 10 + (spec[i++] - '0');
        }
        char type = i < spec.Length ? spec[i++] : '\0';
        if (i != spec.Length) throw new PyError($"Invalid format specifier '{spec}' for object of type '{PyOps.TypeName(value)}'");

        string body;
        bool negative = false;
        if (value is string s)
        {
            if (type is not ('\0' or 's')) throw new PyError($"Unknown format code '{type}' for object of type 'str'");
            body = precision >= 0 && precision < s.Length ? s[..precision] : s;
            return Pad(body, "", fill, align == '\0' ? '<' : align, width);
        }
        if (value is long or bool && type is '\0' or 'd' or 'x' or 'X' or 'o' or 'b' or 'n' or 'c')
        {
            long l = PyOps.ToLong(value);
            if (value is bool && type == '\0') return Pad(PyOps.Str(value), "", fill, align == '\0' ? '<' : align, width);
            negative = l < 0;
            ulong mag = negative ? (ulong)(-(l + 1)) + 1 : (ulong)l;
            string prefix = "";
            switch (type)
            {
                case 'x': body = mag.ToString("x", CultureInfo.InvariantCulture); prefix = alt ? "0x" : ""; break;
                case 'X': body = mag.ToString("X", CultureInfo.InvariantCulture); prefix = alt ? "0X" : ""; break;
                case 'o': body = Convert.ToString((long)mag, 8); prefix = alt ? "0o" : ""; break;
                case 'b': body = Convert.ToString((long)mag, 2); prefix = alt ? "0b" : ""; break;
                case 'c': return Pad(char.ConvertFromUtf32((int)l), "", fill, align == '\0' ? '<' : align, width);
                default: body = Group(mag.ToString(CultureInfo.InvariantCulture), grouping); break;
            }
            return Pad(body, SignOf(negative, sign) + prefix, fill, align == '\0' ? '>' : align, width);
        }
        if (PyOps.IsNumber(value))
        {
            double d = PyOps.ToDouble(value);
            negative = d < 0 || (d == 0 && double.IsNegative(d));
            double a = Math.Abs(d);
            switch (type)
            {
                case 'f' or 'F':
                    body = FixedDigits(a, precision < 0 ? 6 : precision);
                    break;
                case 'e' or 'E':
                    body = Exponent(a, precision < 0 ? 6 : precision, type);
                    break;
                case '%':
                    body = FixedDigits(a * 100, precision < 0 ? 6 : precision) + "%";
                    break;
                case 'g' or 'G' or 'n':
                    body = General(a, precision < 0 ? 6 : Math.Max(precision, 1), alt, type == 'G');
                    break;
                case '\0':
                    body = precision < 0 ? ConfigFormatter.FormatFloat(a) : General(a, Math.Max(precision, 1), alt, false, true);
                    break;
                default:
                    throw new PyError($"Unknown format code '{type}' for object of type '{PyOps.TypeName(value)}'");
            }
            if (double.IsInfinity(a)) body = type is 'F' or 'E' or 'G' ? "INF" : "inf";
            if (double.IsNaN(a)) body = type is 'F' or 'E' or 'G' ? "NAN" : "nan";
            if (grouping != '\0')
            {
                int dot = body.IndexOfAny(['.', 'e', 'E', '%']);
                body = Group(dot < 0 ? body : body[..dot], grouping) + (dot < 0 ? "" : body[dot..]);
            }
            return Pad(body, SignOf(negative, sign), fill, align == '\0' ? '>' : align, width);
        }
        if (type != '\0' && type != 's')
            throw new PyError($"Unknown format code '{type}' for object of type '{PyOps.TypeName(value)}'");
        return Pad(PyOps.Str(value), "", fill, align == '\0' ? '<' : align, width);
    }

    private static string SignOf(bool negative, char sign) => negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";

    private static string FixedDigits(double a, int precision) =>
        double.IsFinite(a) ? a.ToString("F" + precision, CultureInfo.InvariantCulture) : "";

    private static string Exponent(double a, int precision, char type)
    {
        if (!double.IsFinite(a)) return "";
        string r = a.ToString((type == 'E' ? "E" : "e") + precision, CultureInfo.InvariantCulture);
        // .NET writes e+006; Python writes e+06.
        int e = r.IndexOfAny(['e', 'E']);
        int exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{r[..(e + 1)]}{(exp < 0 ? '-' : '+')}{Math.Abs(exp):00}";
    }

    private static string General(double a, int precision, bool alt, bool upper, bool noTypeRule = false)
    {
        if (!double.IsFinite(a)) return "";
        if (a == 0) return noTypeRule ? "0.0" : "0";
        int exp = (int)Math.Floor(Math.Log10(a));
        string rounded = Exponent(a, precision - 1, 'e');
        exp = int.Parse(rounded[(rounded.IndexOf('e') + 1)..], CultureInfo.InvariantCulture);
        string body;
        if (exp >= -4 && exp < precision)
        {
            body = FixedDigits(a, precision - 1 - exp);
            if (!alt && body.Contains('.')) body = body.TrimEnd('0').TrimEnd('.');
            if (noTypeRule && !body.Contains('.')) body += ".0";
        }
        else
        {
            string mant = rounded[..rounded.IndexOf('e')];
            if (!alt && mant.Contains('.')) mant = mant.TrimEnd('0').TrimEnd('.');
            body = mant + rounded[rounded.IndexOf('e')..];
        }
        return upper ? body.ToUpperInvariant() : body;
    }

    private static string Group(string digits, char sep)
    {
        if (sep == '\0' || digits.Length <= 3) return digits;
        var sb = new StringBuilder();
        int first = digits.Length % 3;
        if (first > 0) sb.Append(digits, 0, first);
        for (int k = first; k < digits.Length; k += 3)
        {
            if (sb.Length > 0) sb.Append(sep);
            sb.Append(digits, k, 3);
        }
        return sb.ToString();
    }

    private static string Pad(string body, string prefix, char fill, char align, int width)
    {
        PyArith.CheckSize(width);
        int padding = width - body.Length - prefix.Length;
        if (padding <= 0) return prefix + body;
        return align switch
        {
            '<' => prefix + body + new string(fill, padding),
            '^' => new string(fill, padding / 2) + prefix + body + new string(fill, padding - padding / 2),
            '=' => prefix + new string(fill, padding) + body,
            _ => new string(fill, padding) + prefix + body,
        };
    }

    /// <summary><c>'...' % args</c>: <c>%s %r %d %i %f %e %g %x %o %%</c>, flags, width, precision, and <c>%(name)s</c>.</summary>
    public static string Percent(string format, object? args)
    {
        IReadOnlyList<object?> values = args is object?[] t ? t : [args];
        var mapping = args as ConfigDict;
        int next = 0;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%') { sb.Append(c); continue; }
            if (++i >= format.Length) throw new PyError("incomplete format: the string ends with '%'");
            if (format[i] == '%') { sb.Append('%'); continue; }
            object? value;
            bool fromMapping = false;
            if (format[i] == '(')
            {
                int close = format.IndexOf(')', i);
                if (close < 0 || mapping is null) throw new PyError("format requires a mapping ('%(name)s' needs a dict on the right of %)");
                string key = format[(i + 1)..close];
                if (!mapping.TryGetValue(key, out value)) throw new PyError($"KeyError: '{key}' in % format");
                fromMapping = true;
                i = close + 1;
            }
            else value = null;
            var flags = new StringBuilder();
            while (i < format.Length && format[i] is '-' or '+' or ' ' or '#' or '0') flags.Append(format[i++]);
            var width = new StringBuilder();
            while (i < format.Length && char.IsAsciiDigit(format[i])) width.Append(format[i++]);
            string precision = "";
            if (i < format.Length && format[i] == '.')
            {
                int start = i++;
                while (i < format.Length && char.IsAsciiDigit(format[i])) i++;
                precision = format[start..i];
                if (precision == ".") precision = ".0";
            }
            if (i >= format.Length) throw new PyError("incomplete format");
            char conv = format[i];
            if (!fromMapping)
            {
                if (next >= values.Count) throw new PyError("not enough arguments for format string");
                value = values[next++];
            }
            string f = flags.ToString();
            char align = f.Contains('-') ? '<' : f.Contains('0') && conv is not ('s' or 'r') ? '=' : '>';
            char fill = align == '=' ? '0' : ' ';
            string sign = f.Contains('+') ? "+" : f.Contains(' ') ? " " : "";
            string spec = conv switch
            {
                's' => $"{(align == '<' ? "<" : ">")}{width}{precision}",
                'r' or 'a' => $"{(align == '<' ? "<" : ">")}{width}{precision}",
                'd' or 'i' or 'u' => $"{fill}{align}{sign}{width}d",
                'f' or 'F' or 'e' or 'E' or 'g' or 'G' => $"{fill}{align}{sign}{(f.Contains('#') ? "#" : "")}{width}{precision}{conv}",
                'x' or 'X' or 'o' => $"{fill}{align}{sign}{(f.Contains('#') ? "#" : "")}{width}{conv}",
                'c' => $"{width}c",
                _ => throw new PyError($"unsupported format character '{conv}' in % format"),
            };
            object? arg = conv switch
            {
                's' => PyOps.Str(value),
                'r' or 'a' => PyOps.Repr(value),
                'd' or 'i' or 'u' or 'x' or 'X' or 'o' => value is double dv ? (long)Math.Truncate(dv) : PyOps.ToLong(value, "a number for %d"),
                'f' or 'F' or 'e' or 'E' or 'g' or 'G' => PyOps.ToDouble(value),
                _ => value,
            };
            sb.Append(FormatSpec(arg, spec));
        }
        if (mapping is null && next < values.Count) throw new PyError("not all arguments converted during string formatting");
        return sb.ToString();
    }
}
