using System.Globalization;

namespace Kiln.Config;

/// <summary>MMEngine's <c>DictAction</c> (internals §3.4): the <c>--cfg-options key=value</c> grammar.</summary>
internal static class CfgOptionsParser
{
    public static Dictionary<string, object?> Parse(IEnumerable<string> keyValues)
    {
        // Later pairs win, and repeated --cfg-options flags simply contribute more pairs (MMEngine PR #759).
        var options = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (string kv in keyValues)
        {
            int eq = kv.IndexOf('=');
            if (eq < 0)
                throw new ConfigException($"--cfg-options entry '{kv}' has no '='; expected key=value, e.g. optimizer.lr=0.1");
            options[kv[..eq]] = ParseIterable(kv[(eq + 1)..]);
        }
        return options;
    }

    /// <summary>
    /// Strips surrounding quotes, removes all spaces, then: <c>(..)</c> → tuple, <c>[..]</c> → list, a top-level
    /// comma → list, otherwise a scalar (int → float → true/false → None → str).
    /// </summary>
    public static object? ParseIterable(string val)
    {
        val = val.Trim('\'', '"').Replace(" ", "");
        bool isTuple = false, wrapped = false;
        if (val.StartsWith('(') && val.EndsWith(')'))
        {
            isTuple = wrapped = true;
            val = val[1..^1];
        }
        else if (val.StartsWith('[') && val.EndsWith(']'))
        {
            wrapped = true;
            val = val[1..^1];
        }
        else if (!val.Contains(','))
        {
            return ParseScalar(val);
        }
        var values = new List<object?>();
        while (val.Length > 0)
        {
            int comma = FindNextComma(val);
            // An unwrapped value with commas only inside brackets (dict(a=1,b=2)) would parse itself again forever
            // (MMEngine's DictAction ends in a RecursionError there): say what the grammar takes instead.
            if (comma == val.Length && values.Count == 0 && !wrapped)
                throw new ConfigException($"--cfg-options value '{val}' cannot be parsed: a value is an int, float, bool, None, string, or a list [..] / tuple (..) of those; dicts and calls such as dict(...) cannot be given (set the keys one by one: key.sub=value).");
            values.Add(ParseIterable(val[..comma]));
            val = comma + 1 >= val.Length ? "" : val[(comma + 1)..];
        }
        return isTuple ? values.ToArray() : values;
    }

    private static int FindNextComma(string s)
    {
        if (s.Count(c => c == '(') != s.Count(c => c == ')') || s.Count(c => c == '[') != s.Count(c => c == ']'))
            throw new ConfigException($"Imbalanced brackets exist in '{s}' (a --cfg-options value)");
        int paren = 0, bracket = 0;
        for (int i = 0; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '(': paren++; break;
                case ')': paren--; break;
                case '[': bracket++; break;
                case ']': bracket--; break;
                case ',' when paren == 0 && bracket == 0: return i;
            }
        }
        return s.Length;
    }

    private static object? ParseScalar(string val)
    {
        string t = val.Trim();
        // Python's int(): optional sign, digits, single underscores between digits.
        if (t.Length > 0 && !t.StartsWith('_') && !t.EndsWith('_') && !t.Contains("__"))
        {
            string digits = t.TrimStart('+', '-');
            if (digits.Length > 0 && t.Length - digits.Length <= 1 && digits.All(c => char.IsAsciiDigit(c) || c == '_') && !digits.StartsWith('_')
                && long.TryParse(t.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                return l;
        }
        if (Python.PyInterpreter.ParseFloat(val) is double d) return d;
        if (val.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
        if (val.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
        if (val == "None") return null;
        return val;
    }
}
