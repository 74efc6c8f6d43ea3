using System.Globalization;

namespace Kiln.Config.Python;

internal sealed partial class PyInterpreter
{
    /// <summary>The pure builtins a config may call; nothing here touches files, the network or processes.</summary>
    private static readonly HashSet<string> Builtins =
    [
        "len", "range", "min", "max", "sum", "abs", "int", "float", "str", "bool", "round", "sorted", "reversed",
        "enumerate", "zip", "isinstance", "list", "tuple", "dict", "set", "any", "all", "repr", "print", "divmod",
        "pow", "map", "filter", "ord", "chr", "format", "hex", "oct", "bin",
    ];

    private static void NoKwargs(string name, ConfigDict? kwargs)
    {
        if (kwargs is { Count: > 0 }) throw new PyError($"{name}() takes no keyword arguments (got {string.Join(", ", kwargs.Keys)})");
    }

    private static void Arity(string name, List<object?> args, int min, int max)
    {
        if (args.Count < min || args.Count > max)
            throw new PyError(min == max
                ? $"{name}() takes exactly {min} argument{(min == 1 ? "" : "s")} ({args.Count} given)"
                : $"{name}() takes {min} to {max} arguments ({args.Count} given)");
    }

    private object? CallBuiltin(string name, List<object?> args, ConfigDict? kwargs)
    {
        switch (name)
        {
            case "dict":
            {
                Arity(name, args, 0, 1);
                var dict = new ConfigDict();
                if (args.Count == 1)
                {
                    if (args[0] is ConfigDict src) foreach (var (k, v) in src) dict[k] = v;
                    else foreach (var pair in PyOps.Iterate(args[0])) AddPair(dict, pair);
                }
                if (kwargs is not null) foreach (var (k, v) in kwargs) dict[k] = v;
                return dict;
            }
            case "print":
                return null; // configs may print while debugging; the host has no stdout contract for them
            case "isinstance":
                NoKwargs(name, kwargs);
                Arity(name, args, 2, 2);
                return args[1] is object?[] types ? types.Any(t => IsInstance(args[0], t)) : IsInstance(args[0], args[1]);
            case "sorted":
            {
                Arity(name, args, 1, 1);
                var items = PyOps.Iterate(args[0]).ToList();
                bool reverse = false;
                if (kwargs is not null)
                {
                    foreach (var (k, v) in kwargs)
                    {
                        if (k == "reverse") reverse = PyOps.Truthy(v);
                        else if (k == "key" && v is PyBuiltin or PyMethod) { }
                        else throw new PyError($"sorted() got an unsupported keyword argument '{k}'");
                    }
                }
                object? keyFunc = kwargs?.Get("key");
                return SortList(items, keyFunc, reverse);
            }
            case "min" or "max":
            {
                var items = args.Count == 1 ? PyOps.Iterate(args[0]) : args;
                if (items.Count == 0)
                {
                    if (kwargs is not null && kwargs.TryGetValue("default", out var dflt)) return dflt;
                    throw new PyError($"{name}() arg is an empty sequence");
                }
                object? keyFunc = kwargs?.Get("key");
                object? best = items[0];
                foreach (var item in items.Skip(1))
                {
                    int c = PyOps.Compare(Key(keyFunc, item), Key(keyFunc, best), name == "min" ? "<" : ">");
                    if (name == "min" ? c < 0 : c > 0) best = item;
                }
                return best;
            }
            case "map":
            {
                NoKwargs(name, kwargs);
                Arity(name, args, 2, 2);
                return PyOps.Iterate(args[1]).Select(x => CallValue(args[0], [x])).ToList();
            }
            case "filter":
            {
                NoKwargs(name, kwargs);
                Arity(name, args, 2, 2);
                return PyOps.Iterate(args[1]).Where(x => PyOps.Truthy(args[0] is null ? x : CallValue(args[0], [x]))).ToList();
            }
            case "format":
                Arity(name, args, 1, 2);
                return PyFormat.FormatSpec(args[0], args.Count > 1 ? (string)args[1]! : "");
        }
        NoKwargs(name, kwargs);
        return CallSimpleBuiltin(name, args);
    }

    private object? Key(object? keyFunc, object? item) => keyFunc is null ? item : CallValue(keyFunc, [item]);

    private object? CallValue(object? func, List<object?> args) => func switch
    {
        PyBuiltin b => CallBuiltin(b.Name, args, null),
        PyMethod m => CallMethod(m.Target, m.Name, args, null),
        _ => throw new PyError($"'{PyOps.TypeName(func)}' object is not callable"),
    };

    private List<object?> SortList(List<object?> items, object? keyFunc, bool reverse)
    {
        var keyed = items.Select((x, i) => (key: Key(keyFunc, x), item: x, index: i)).ToList();
        // A stable sort, as Python's: ties keep their input order.
        keyed.Sort((a, b) =>
        {
            int c = PyOps.Compare(a.key, b.key, "<");
            if (reverse) c = -c;
            return c != 0 ? c : a.index.CompareTo(b.index);
        });
        return keyed.Select(x => x.item).ToList();
    }

    private static void AddPair(ConfigDict dict, object? pair)
    {
        var kv = PyOps.Iterate(pair);
        if (kv.Count != 2) throw new PyError($"dictionary update sequence element has length {kv.Count}; 2 is required");
        dict[KeyOf(kv[0])] = kv[1];
    }

    private static bool IsInstance(object? value, object? type)
    {
        if (type is not PyBuiltin { Name: var t } || t is not ("int" or "float" or "str" or "bool" or "list" or "tuple" or "dict" or "set"))
            throw new PyError($"isinstance() arg 2 must be a builtin type (int, float, str, bool, list, tuple, dict, set) or a tuple of them, got {PyOps.Repr(type)}");
        return t switch
        {
            "int" => value is long or bool,
            "float" => value is double,
            "str" => value is string,
            "bool" => value is bool,
            "list" => value is List<object?>,
            "tuple" => value is object?[],
            "dict" => value is ConfigDict,
            _ => value is PySet,
        };
    }

    private static object? CallSimpleBuiltin(string name, List<object?> args)
    {
        switch (name)
        {
            case "len":
                Arity(name, args, 1, 1);
                return PyOps.Len(args[0]);
            case "range":
            {
                Arity(name, args, 1, 3);
                long start = args.Count == 1 ? 0 : PyOps.ToLong(args[0]);
                long stop = PyOps.ToLong(args.Count == 1 ? args[0] : args[1]);
                long step = args.Count == 3 ? PyOps.ToLong(args[2]) : 1;
                if (step == 0) throw new PyError("range() arg 3 must not be zero");
                long count = step > 0 ? Math.Max(0, (stop - start + step - 1) / step) : Math.Max(0, (start - stop - step - 1) / -step);
                if (count > 10_000_000) throw new PyError($"range() of {count:N0} items is too large for a config");
                var list = new List<object?>((int)count);
                for (long i = 0; i < count; i++) list.Add(start + i * step);
                return list;
            }
            case "sum":
            {
                Arity(name, args, 1, 2);
                object? total = args.Count > 1 ? args[1] : 0L;
                foreach (var x in PyOps.Iterate(args[0])) total = PyArith.Binary("+", total, x);
                return total;
            }
            case "abs":
                Arity(name, args, 1, 1);
                return args[0] switch
                {
                    double d => (object)Math.Abs(d),
                    long or bool => Math.Abs(PyOps.ToLong(args[0])),
                    _ => throw new PyError($"bad operand type for abs(): '{PyOps.TypeName(args[0])}'"),
                };
            case "int":
                Arity(name, args, 0, 2);
                if (args.Count == 0) return 0L;
                return args[0] switch
                {
                    double d when double.IsFinite(d) => (long)Math.Truncate(d),
                    long or bool => PyOps.ToLong(args[0]),
                    string s => ParseInt(s, args.Count > 1 ? (int)PyOps.ToLong(args[1]) : 10),
                    _ => throw new PyError($"int() argument must be a string or a number, not '{PyOps.TypeName(args[0])}'"),
                };
            case "float":
                Arity(name, args, 0, 1);
                if (args.Count == 0) return 0.0;
                return args[0] switch
                {
                    string s => ParseFloat(s) ?? throw new PyError($"could not convert string to float: {PyOps.Repr(s)}"),
                    _ => PyOps.ToDouble(args[0]),
                };
            case "str":
                Arity(name, args, 0, 1);
                return args.Count == 0 ? "" : PyOps.Str(args[0]);
            case "repr":
                Arity(name, args, 1, 1);
                return PyOps.Repr(args[0]);
            case "bool":
                Arity(name, args, 0, 1);
                return args.Count != 0 && PyOps.Truthy(args[0]);
            case "round":
            {
                Arity(name, args, 1, 2);
                if (args.Count == 1 || args[1] is null)
                    return args[0] is double d ? (long)Math.Round(d, MidpointRounding.ToEven) : PyOps.ToLong(args[0]);
                int digits = (int)PyOps.ToLong(args[1]);
                if (args[0] is long or bool) return PyOps.ToLong(args[0]);
                return Math.Round(PyOps.ToDouble(args[0]), Math.Clamp(digits, 0, 15), MidpointRounding.ToEven);
            }
            case "reversed":
                Arity(name, args, 1, 1);
                return PyOps.Iterate(args[0]).Reverse().ToList();
            case "enumerate":
            {
                Arity(name, args, 1, 2);
                long start = args.Count > 1 ? PyOps.ToLong(args[1]) : 0;
                return PyOps.Iterate(args[0]).Select((x, i) => (object?)new object?[] { start + i, x }).ToList();
            }
            case "zip":
            {
                var seqs = args.Select(PyOps.Iterate).ToList();
                int n = seqs.Count == 0 ? 0 : seqs.Min(s => s.Count);
                return Enumerable.Range(0, n).Select(i => (object?)seqs.Select(s => s[i]).ToArray()).ToList();
            }
            case "list":
                Arity(name, args, 0, 1);
                return args.Count == 0 ? new List<object?>() : PyOps.Iterate(args[0]).ToList();
            case "tuple":
                Arity(name, args, 0, 1);
                return args.Count == 0 ? Array.Empty<object?>() : PyOps.Iterate(args[0]).ToArray();
            case "set":
                Arity(name, args, 0, 1);
                return new PySet(args.Count == 0 ? [] : PyOps.Iterate(args[0]));
            case "any":
                Arity(name, args, 1, 1);
                return PyOps.Iterate(args[0]).Any(PyOps.Truthy);
            case "all":
                Arity(name, args, 1, 1);
                return PyOps.Iterate(args[0]).All(PyOps.Truthy);
            case "divmod":
                Arity(name, args, 2, 2);
                return new[] { PyArith.Binary("//", args[0], args[1]), PyArith.Binary("%", args[0], args[1]) };
            case "pow":
                Arity(name, args, 2, 2);
                return PyArith.Binary("**", args[0], args[1]);
            case "ord":
                Arity(name, args, 1, 1);
                return args[0] is string { Length: 1 } c ? (long)c[0] : throw new PyError("ord() expected a character");
            case "chr":
                Arity(name, args, 1, 1);
                return char.ConvertFromUtf32((int)PyOps.ToLong(args[0]));
            case "hex":
                Arity(name, args, 1, 1);
                return PyFormat.FormatSpec(PyOps.ToLong(args[0]), "#x");
            case "oct":
                Arity(name, args, 1, 1);
                return PyFormat.FormatSpec(PyOps.ToLong(args[0]), "#o");
            case "bin":
                Arity(name, args, 1, 1);
                return PyFormat.FormatSpec(PyOps.ToLong(args[0]), "#b");
        }
        throw new PyError($"'{name}' is not a supported builtin");
    }

    private static long ParseInt(string s, int radix)
    {
        string t = s.Trim().Replace("_", "");
        bool neg = t.StartsWith('-');
        if (t.StartsWith('-') || t.StartsWith('+')) t = t[1..];
        try
        {
            if (t.Length == 0) throw new FormatException();
            long v = radix == 10 ? long.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture) : Convert.ToInt64(t, radix);
            return neg ? -v : v;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new PyError($"invalid literal for int() with base {radix}: {PyOps.Repr(s)}");
        }
    }

    /// <summary>Python's <c>float(str)</c>: decimal or exponent forms, underscores, <c>inf</c>/<c>nan</c>; null if invalid.</summary>
    internal static double? ParseFloat(string s)
    {
        string t = s.Trim();
        string lower = t.ToLowerInvariant().TrimStart('+', '-');
        if (lower is "inf" or "infinity") return t.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        if (lower == "nan") return double.NaN;
        if (t.Length == 0 || t.Contains("__") || t.StartsWith('_') || t.EndsWith('_')) return null;
        foreach (char c in t) if (!(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-' or '_')) return null;
        return double.TryParse(t.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null;
    }
}
