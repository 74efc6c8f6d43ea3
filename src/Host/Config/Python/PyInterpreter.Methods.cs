namespace Kiln.Config.Python;

internal sealed partial class PyInterpreter
{
    private static readonly HashSet<string> DictMethods =
        ["copy", "update", "get", "setdefault", "keys", "values", "items", "pop", "popitem", "clear"];

    private static readonly HashSet<string> ListMethods =
        ["append", "extend", "insert", "index", "pop", "remove", "count", "copy", "clear", "reverse", "sort"];

    private static readonly HashSet<string> TupleMethods = ["index", "count"];

    private static readonly HashSet<string> SetMethods = ["add", "update", "union", "copy", "discard", "remove", "intersection", "difference"];

    private static readonly HashSet<string> StrMethods =
    [
        "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "format", "upper", "lower", "startswith",
        "endswith", "find", "rfind", "index", "count", "title", "capitalize", "zfill", "isdigit", "isalpha",
        "isalnum", "isnumeric", "isidentifier", "isupper", "islower", "isspace", "splitlines", "partition",
        "rpartition", "center", "ljust", "rjust", "removeprefix", "removesuffix", "swapcase",
    ];

    private static bool IsMethod(object? obj, string name) => obj switch
    {
        ConfigDict => DictMethods.Contains(name),
        List<object?> => ListMethods.Contains(name),
        object?[] => TupleMethods.Contains(name),
        PySet => SetMethods.Contains(name),
        string => StrMethods.Contains(name),
        _ => false,
    };

    private object? CallMethod(object? target, string name, List<object?> args, ConfigDict? kwargs)
    {
        if (target is string s && name == "format") return StrFormat(s, args, kwargs);
        if (target is ConfigDict d && name == "update")
        {
            Arity("update", args, 0, 1);
            if (args.Count == 1)
            {
                if (args[0] is ConfigDict src) foreach (var (k, v) in src) d[k] = v;
                else foreach (var pair in PyOps.Iterate(args[0])) AddPair(d, pair);
            }
            if (kwargs is not null) foreach (var (k, v) in kwargs) d[k] = v;
            return null;
        }
        if (target is List<object?> sortList && name == "sort")
        {
            Arity(name, args, 0, 0);
            var sorted = SortList(sortList, kwargs?.Get("key"), PyOps.Truthy(kwargs?.Get("reverse")));
            sortList.Clear();
            sortList.AddRange(sorted);
            return null;
        }
        if (target is string && name is "split" or "rsplit" && kwargs is not null)
        {
            args = [.. args];
            if (kwargs.TryGetValue("sep", out var sep)) { if (args.Count == 0) args.Add(sep); }
            if (kwargs.TryGetValue("maxsplit", out var max)) { if (args.Count == 0) args.Add(null); args.Add(max); }
            kwargs = null;
        }
        NoKwargs(name, kwargs);
        return target switch
        {
            ConfigDict dict => DictMethod(dict, name, args),
            List<object?> list => ListMethod(list, name, args),
            object?[] tuple => SequenceMethod(tuple, name, args),
            PySet set => SetMethod(set, name, args),
            string str => StrMethod(str, name, args),
            _ => throw new PyError($"'{PyOps.TypeName(target)}' object has no attribute '{name}'"),
        };
    }

    private static object? DictMethod(ConfigDict d, string name, List<object?> args)
    {
        switch (name)
        {
            case "copy": Arity(name, args, 0, 0); return new ConfigDict(d);
            case "get": Arity(name, args, 1, 2); return d.Get(KeyOf(args[0]), args.Count > 1 ? args[1] : null);
            case "setdefault": Arity(name, args, 1, 2); return d.SetDefault(KeyOf(args[0]), args.Count > 1 ? args[1] : null);
            case "keys": Arity(name, args, 0, 0); return d.Keys.Select(k => (object?)k).ToList();
            case "values": Arity(name, args, 0, 0); return d.Values.ToList();
            case "items": Arity(name, args, 0, 0); return d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList();
            case "pop":
            {
                Arity(name, args, 1, 2);
                string key = KeyOf(args[0]);
                if (d.TryGetValue(key, out var v)) { d.Remove(key); return v; }
                return args.Count > 1 ? args[1] : throw new PyError(MissingKey(d, key));
            }
            case "popitem":
            {
                Arity(name, args, 0, 0);
                if (d.Count == 0) throw new PyError("popitem(): dictionary is empty");
                var last = d.Last();
                d.Remove(last.Key);
                return new object?[] { last.Key, last.Value };
            }
            case "clear": Arity(name, args, 0, 0); d.Clear(); return null;
        }
        throw new PyError($"'dict' object has no attribute '{name}'");
    }

    private static object? ListMethod(List<object?> list, string name, List<object?> args)
    {
        switch (name)
        {
            case "append": Arity(name, args, 1, 1); list.Add(args[0]); return null;
            case "extend":
                Arity(name, args, 1, 1);
                var more = PyOps.Iterate(args[0]).ToList();
                PyArith.CheckSize(list.Count + (long)more.Count);
                list.AddRange(more);
                return null;
            case "insert":
            {
                Arity(name, args, 2, 2);
                long i = PyOps.ToLong(args[0]);
                if (i < 0) i += list.Count;
                list.Insert((int)Math.Clamp(i, 0, list.Count), args[1]);
                return null;
            }
            case "pop":
            {
                Arity(name, args, 0, 1);
                if (list.Count == 0) throw new PyError("pop from empty list");
                int i = PyOps.NormalizeIndex(args.Count > 0 ? args[0] : -1L, list.Count, "pop");
                var v = list[i];
                list.RemoveAt(i);
                return v;
            }
            case "remove":
            {
                Arity(name, args, 1, 1);
                int i = list.FindIndex(x => PyOps.Eq(x, args[0]));
                if (i < 0) throw new PyError($"list.remove(x): {PyOps.Repr(args[0])} not in list");
                list.RemoveAt(i);
                return null;
            }
            case "copy": Arity(name, args, 0, 0); return new List<object?>(list);
            case "clear": Arity(name, args, 0, 0); list.Clear(); return null;
            case "reverse": Arity(name, args, 0, 0); list.Reverse(); return null;
        }
        return SequenceMethod(list, name, args);
    }

    private static object? SequenceMethod(IReadOnlyList<object?> seq, string name, List<object?> args)
    {
        switch (name)
        {
            case "index":
            {
                Arity(name, args, 1, 1);
                for (int i = 0; i < seq.Count; i++) if (PyOps.Eq(seq[i], args[0])) return (long)i;
                throw new PyError($"{PyOps.Repr(args[0])} is not in {(seq is object?[] ? "tuple" : "list")}");
            }
            case "count": Arity(name, args, 1, 1); return (long)seq.Count(x => PyOps.Eq(x, args[0]));
        }
        throw new PyError($"'{(seq is object?[] ? "tuple" : "list")}' object has no attribute '{name}'");
    }

    private static object? SetMethod(PySet set, string name, List<object?> args)
    {
        switch (name)
        {
            case "add": Arity(name, args, 1, 1); set.Add(args[0]); return null;
            case "update": foreach (var a in args) foreach (var x in PyOps.Iterate(a)) set.Add(x); return null;
            case "union": return new PySet(set.Items.Concat(args.SelectMany(PyOps.Iterate)));
            case "intersection": return new PySet(set.Items.Where(x => args.All(a => PyOps.Contains(a, x))));
            case "difference": return new PySet(set.Items.Where(x => !args.Any(a => PyOps.Contains(a, x))));
            case "copy": return new PySet(set.Items);
            case "discard": Arity(name, args, 1, 1); set.Remove(args[0]); return null;
            case "remove":
                Arity(name, args, 1, 1);
                if (!set.Remove(args[0])) throw new PyError($"KeyError: {PyOps.Repr(args[0])}");
                return null;
        }
        throw new PyError($"'set' object has no attribute '{name}'");
    }
}
