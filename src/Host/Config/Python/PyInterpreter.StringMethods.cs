using System.Text;

namespace Kiln.Config.Python;

// Methods of str, and str.format.
internal sealed partial class PyInterpreter
{
    private static string StrArg(List<object?> args, int i, string method) => args[i] as string
        ?? throw new PyError($"{method}() argument {i + 1} must be str, not {PyOps.TypeName(args[i])}");

    private static object? StrMethod(string s, string name, List<object?> args)
    {
        switch (name)
        {
            case "join":
            {
                Arity(name, args, 1, 1);
                var parts = PyOps.Iterate(args[0]);
                foreach (var p in parts)
                    if (p is not string) throw new PyError($"sequence item: expected str instance, {PyOps.TypeName(p)} found");
                return string.Join(s, parts.Cast<string>());
            }
            case "replace":
            {
                Arity(name, args, 2, 3);
                string old = StrArg(args, 0, name), @new = StrArg(args, 1, name);
                long count = args.Count > 2 ? PyOps.ToLong(args[2]) : -1;
                if (count < 0) return old.Length == 0 ? string.Concat(s.Select(c => @new + c)) + @new : s.Replace(old, @new, StringComparison.Ordinal);
                var sb = new StringBuilder();
                int pos = 0;
                for (long n = 0; n < count; n++)
                {
                    int at = s.IndexOf(old, pos, StringComparison.Ordinal);
                    if (at < 0 || old.Length == 0) break;
                    sb.Append(s, pos, at - pos).Append(@new);
                    pos = at + old.Length;
                }
                return sb.Append(s, pos, s.Length - pos).ToString();
            }
            case "split" or "rsplit":
            {
                Arity(name, args, 0, 2);
                string? sep = args.Count > 0 && args[0] is not null ? StrArg(args, 0, name) : null;
                long max = args.Count > 1 ? PyOps.ToLong(args[1]) : -1;
                return Split(s, sep, max, name == "rsplit");
            }
            case "strip" or "lstrip" or "rstrip":
            {
                Arity(name, args, 0, 1);
                char[]? chars = args.Count > 0 && args[0] is not null ? StrArg(args, 0, name).ToCharArray() : null;
                return name switch
                {
                    "strip" => chars is null ? s.Trim() : s.Trim(chars),
                    "lstrip" => chars is null ? s.TrimStart() : s.TrimStart(chars),
                    _ => chars is null ? s.TrimEnd() : s.TrimEnd(chars),
                };
            }
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "swapcase": return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "title":
            {
                var sb = new StringBuilder(s.Length);
                bool prevLetter = false;
                foreach (char c in s)
                {
                    sb.Append(prevLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
                    prevLetter = char.IsLetter(c);
                }
                return sb.ToString();
            }
            case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case "startswith" or "endswith":
            {
                Arity(name, args, 1, 1);
                var options = args[0] is object?[] t ? t : [args[0]];
                return options.Any(o => o is string p
                    ? (name == "startswith" ? s.StartsWith(p, StringComparison.Ordinal) : s.EndsWith(p, StringComparison.Ordinal))
                    : throw new PyError($"{name} first arg must be str or a tuple of str, not {PyOps.TypeName(o)}"));
            }
            case "find": Arity(name, args, 1, 1); return (long)s.IndexOf(StrArg(args, 0, name), StringComparison.Ordinal);
            case "rfind": Arity(name, args, 1, 1); return (long)s.LastIndexOf(StrArg(args, 0, name), StringComparison.Ordinal);
            case "index":
            {
                Arity(name, args, 1, 1);
                int i = s.IndexOf(StrArg(args, 0, name), StringComparison.Ordinal);
                return i >= 0 ? (long)i : throw new PyError("substring not found");
            }
            case "count":
            {
                Arity(name, args, 1, 1);
                string sub = StrArg(args, 0, name);
                if (sub.Length == 0) return (long)s.Length + 1;
                long n = 0;
                for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
                return n;
            }
            case "zfill":
            {
                Arity(name, args, 1, 1);
                int width = (int)PyArith.CheckSize(PyOps.ToLong(args[0]));
                if (s.Length >= width) return s;
                bool signed = s.Length > 0 && s[0] is '+' or '-';
                return signed ? s[0] + new string('0', width - s.Length) + s[1..] : new string('0', width - s.Length) + s;
            }
            case "center" or "ljust" or "rjust":
            {
                Arity(name, args, 1, 2);
                string fill = args.Count > 1 ? StrArg(args, 1, name) : " ";
                string spec = $"{fill}{(name == "center" ? '^' : name == "ljust" ? '<' : '>')}{PyOps.ToLong(args[0])}";
                return PyFormat.FormatSpec(s, spec);
            }
            case "isdigit" or "isnumeric": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "isspace": return s.Length > 0 && s.All(char.IsWhiteSpace);
            case "isidentifier": return ConfigPrettyPrinter.IsIdentifier(s, allowKeywords: true);
            case "splitlines": return s.Split('\n').Select(x => (object?)x.TrimEnd('\r')).Take(s.EndsWith('\n') ? s.Split('\n').Length - 1 : int.MaxValue).ToList();
            case "partition" or "rpartition":
            {
                Arity(name, args, 1, 1);
                string sep = StrArg(args, 0, name);
                int i = name == "partition" ? s.IndexOf(sep, StringComparison.Ordinal) : s.LastIndexOf(sep, StringComparison.Ordinal);
                if (i < 0) return name == "partition" ? new object?[] { s, "", "" } : new object?[] { "", "", s };
                return new object?[] { s[..i], sep, s[(i + sep.Length)..] };
            }
            case "removeprefix": Arity(name, args, 1, 1); return s.StartsWith(StrArg(args, 0, name), StringComparison.Ordinal) ? s[((string)args[0]!).Length..] : s;
            case "removesuffix": Arity(name, args, 1, 1); return s.EndsWith(StrArg(args, 0, name), StringComparison.Ordinal) && ((string)args[0]!).Length > 0 ? s[..^((string)args[0]!).Length] : s;
        }
        throw new PyError($"'str' object has no attribute '{name}'");
    }

    private static List<object?> Split(string s, string? sep, long max, bool fromRight)
    {
        List<string> parts;
        if (sep is null)
        {
            var words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
            if (max < 0 || words.Count <= max + 1) parts = words;
            else if (!fromRight)
            {
                // Keep the remainder as written after the first `max` words.
                parts = [];
                string rest = s.TrimStart();
                for (int i = 0; i < max; i++)
                {
                    int end = rest.IndexOfAny([' ', '\t', '\n', '\r', '\f', '\v']);
                    parts.Add(rest[..end]);
                    rest = rest[end..].TrimStart();
                }
                parts.Add(rest);
            }
            else
            {
                parts = [];
                string rest = s.TrimEnd();
                for (int i = 0; i < max; i++)
                {
                    int start = rest.LastIndexOfAny([' ', '\t', '\n', '\r', '\f', '\v']);
                    parts.Insert(0, rest[(start + 1)..]);
                    rest = rest[..start].TrimEnd();
                }
                parts.Insert(0, rest);
            }
        }
        else
        {
            if (sep.Length == 0) throw new PyError("empty separator");
            var all = s.Split(sep);
            if (max < 0 || all.Length <= max + 1) parts = [.. all];
            else if (!fromRight) parts = [.. all.Take((int)max), string.Join(sep, all.Skip((int)max))];
            else parts = [string.Join(sep, all.Take(all.Length - (int)max)), .. all.Skip(all.Length - (int)max)];
        }
        return parts.Select(p => (object?)p).ToList();
    }

    /// <summary><c>str.format</c>: <c>{}</c>, <c>{0}</c>, <c>{name}</c>, <c>{name.attr}</c>, <c>{name[key]}</c>, <c>!r</c>, <c>:spec</c>.</summary>
    private object? StrFormat(string format, List<object?> args, ConfigDict? kwargs)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c == '}') throw new PyError("Single '}' encountered in format string");
            if (c != '{') { sb.Append(c); continue; }
            int close = i + 1, depth = 0;
            while (close < format.Length && (format[close] != '}' || depth > 0))
            {
                if (format[close] == '{') depth++;
                else if (format[close] == '}') depth--;
                close++;
            }
            if (close >= format.Length) throw new PyError("Single '{' encountered in format string");
            string field = format[(i + 1)..close];
            i = close;
            string? spec = null;
            char conv = '\0';
            int colon = field.IndexOf(':');
            if (colon >= 0) { spec = field[(colon + 1)..]; field = field[..colon]; }
            int bang = field.IndexOf('!');
            if (bang >= 0) { conv = field.Length > bang + 1 ? field[bang + 1] : '\0'; field = field[..bang]; }
            int end = field.IndexOfAny(['.', '[']);
            string head = end < 0 ? field : field[..end];
            object? value;
            if (head.Length == 0) value = auto < args.Count ? args[auto++] : throw new PyError($"Replacement index {auto} out of range for positional args tuple");
            else if (char.IsAsciiDigit(head[0]))
            {
                int n = int.Parse(head, System.Globalization.CultureInfo.InvariantCulture);
                value = n < args.Count ? args[n] : throw new PyError($"Replacement index {n} out of range for positional args tuple");
            }
            else if (kwargs is not null && kwargs.TryGetValue(head, out var kv)) value = kv;
            else throw new PyError($"KeyError: '{head}' in str.format (pass it as a keyword argument)");
            string rest = end < 0 ? "" : field[end..];
            while (rest.Length > 0)
            {
                if (rest[0] == '.')
                {
                    int next = rest.IndexOfAny(['.', '['], 1);
                    string attr = next < 0 ? rest[1..] : rest[1..next];
                    value = GetAttribute(value, attr);
                    rest = next < 0 ? "" : rest[next..];
                }
                else
                {
                    int rb = rest.IndexOf(']');
                    string key = rest[1..rb];
                    value = GetItem(value, key.All(char.IsAsciiDigit) && key.Length > 0 ? long.Parse(key, System.Globalization.CultureInfo.InvariantCulture) : key);
                    rest = rest[(rb + 1)..];
                }
            }
            if (conv is 'r' or 'a') value = PyOps.Repr(value);
            else if (conv == 's') value = PyOps.Str(value);
            if (spec is not null && spec.Contains('{')) spec = (string)StrFormat(spec, args, kwargs)!;
            sb.Append(PyFormat.FormatSpec(value, spec ?? ""));
        }
        return sb.ToString();
    }
}
