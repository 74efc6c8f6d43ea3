using System.Text;

namespace Kiln.Config.Python;

internal sealed partial class PyInterpreter
{
    /// <summary>Deeper expression trees than this are refused: they would overflow the stack, which kills the process.</summary>
    private const int MaxEvalDepth = 500;

    private int _evalDepth;

    private object? Eval(Expr expr)
    {
        if (++_evalDepth > MaxEvalDepth)
        {
            _evalDepth = 0;
            throw Fail(expr, $"expression nested more than {MaxEvalDepth} levels deep; split it into several assignments");
        }
        try
        {
            return EvalCore(expr);
        }
        finally
        {
            _evalDepth--;
        }
    }

    private object? EvalCore(Expr expr)
    {
        Step(expr);
        switch (expr)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return Lookup(n);
            case ListExpr l:
                return EvalItems(l.Items);
            case TupleExpr t:
                return EvalItems(t.Items).ToArray();
            case SetExpr s:
                return new PySet(EvalItems(s.Items));
            case DictExpr d:
            {
                var dict = new ConfigDict();
                foreach (var (k, v) in d.Entries)
                {
                    if (k is null)
                    {
                        var mapping = Eval(v);
                        if (mapping is not ConfigDict m) throw Fail(v, $"'{PyOps.TypeName(mapping)}' object is not a mapping (after **)");
                        foreach (var (mk, mv) in m) dict[mk] = mv;
                        RecordKeys(dict, m, v.Line);
                        continue;
                    }
                    var key = Eval(k);
                    _current = k;
                    string name = KeyOf(key);
                    var item = Eval(v);
                    dict[name] = item;
                    _prov?.Set(dict, name, _file, k.Line, item);
                }
                return dict;
            }
            case FStringExpr f:
            {
                var sb = new StringBuilder();
                foreach (var part in f.Parts) sb.Append(part is ConstExpr pc ? (string)pc.Value! : (string)Eval(part)!);
                return sb.ToString();
            }
            case FormattedExpr fe:
            {
                var value = Eval(fe.Value);
                if (fe.Conversion is 'r' or 'a') value = PyOps.Repr(value);
                else if (fe.Conversion == 's') value = PyOps.Str(value);
                string spec = fe.Spec is null ? "" : (string)Eval(fe.Spec)!;
                _current = fe;
                return PyFormat.FormatSpec(value, spec);
            }
            case BinaryExpr b:
            {
                var left = Eval(b.Left);
                var right = Eval(b.Right);
                _current = b;
                var result = PyArith.Binary(b.Op, left, right);
                Charge(Size(result), b);
                return result;
            }
            case UnaryExpr u:
            {
                var v = Eval(u.Operand);
                _current = u;
                return PyArith.Unary(u.Op, v);
            }
            case BoolExpr b:
            {
                var left = Eval(b.Left);
                return b.IsAnd ? (PyOps.Truthy(left) ? Eval(b.Right) : left) : (PyOps.Truthy(left) ? left : Eval(b.Right));
            }
            case CompareExpr c:
            {
                var left = Eval(c.First);
                for (int i = 0; i < c.Ops.Count; i++)
                {
                    var right = Eval(c.Rest[i]);
                    _current = c;
                    if (c.Ops[i] is "in" or "not in") Charge(Size(right), c);
                    if (!CompareOne(c.Ops[i], left, right)) return false;
                    left = right;
                }
                return true;
            }
            case IfExpr i:
                return PyOps.Truthy(Eval(i.Test)) ? Eval(i.Body) : Eval(i.OrElse);
            case AttributeExpr a:
            {
                var obj = Eval(a.Target);
                _current = a;
                return GetAttribute(obj, a.Name);
            }
            case SubscriptExpr s:
            {
                var obj = Eval(s.Target);
                var index = Eval(s.Index);
                _current = s;
                return GetItem(obj, index);
            }
            case SliceExpr sl:
                return new SliceValue(sl.Lower is null ? null : Eval(sl.Lower), sl.Upper is null ? null : Eval(sl.Upper),
                    sl.Step is null ? null : Eval(sl.Step));
            case CallExpr call:
                return EvalCall(call);
            case CompExpr comp:
            {
                var results = new List<object?>();
                RunComprehension(comp.Generators, 0, () => results.Add(Eval(comp.Element)));
                return comp.Kind == 's' ? new PySet(results) : results;
            }
            case DictCompExpr dc:
            {
                var dict = new ConfigDict();
                RunComprehension(dc.Generators, 0, () =>
                {
                    var key = Eval(dc.Key);
                    _current = dc.Key;
                    string name = KeyOf(key);
                    var item = Eval(dc.Value);
                    dict[name] = item;
                    _prov?.Set(dict, name, _file, dc.Key.Line, item);
                });
                return dict;
            }
            case StarredExpr st:
                throw Fail(st, "a starred expression '*x' is only allowed inside a list, tuple, set or call");
        }
        throw Fail(expr, $"unsupported expression {expr.GetType().Name}");
    }

    private List<object?> EvalItems(List<Expr> items)
    {
        var list = new List<object?>(items.Count);
        foreach (var item in items)
        {
            if (item is StarredExpr star)
            {
                var spread = PyOps.Iterate(Eval(star.Value));
                Charge(spread.Count, star);
                list.AddRange(spread);
            }
            else list.Add(Eval(item));
        }
        return list;
    }

    /// <summary>Comprehension variables live in their own scope, as in Python 3, so they do not leak into the config.</summary>
    private void RunComprehension(List<Comprehension> generators, int level, Action body)
    {
        var outer = _scope;
        var items = PyOps.Iterate(Eval(generators[level].Iter));
        if (level == 0) _scope = new Scope(outer);
        try
        {
            foreach (var item in items.ToArray())
            {
                Assign(generators[level].Target, item);
                bool keep = true;
                foreach (var cond in generators[level].Ifs)
                {
                    if (!PyOps.Truthy(Eval(cond))) { keep = false; break; }
                }
                if (!keep) continue;
                if (level + 1 < generators.Count) RunComprehension(generators, level + 1, body);
                else body();
            }
        }
        finally
        {
            if (level == 0) _scope = outer;
        }
    }

    private static bool CompareOne(string op, object? left, object? right) => op switch
    {
        "==" => PyOps.Eq(left, right),
        "!=" => !PyOps.Eq(left, right),
        "<" => PyOps.Compare(left, right, op) < 0,
        "<=" => PyOps.Compare(left, right, op) <= 0,
        ">" => PyOps.Compare(left, right, op) > 0,
        ">=" => PyOps.Compare(left, right, op) >= 0,
        "in" => PyOps.Contains(right, left),
        "not in" => !PyOps.Contains(right, left),
        // Identity: None/True/False are singletons; for containers, reference identity; small values compare equal.
        "is" => Identical(left, right),
        "is not" => !Identical(left, right),
        _ => throw new PyError($"unknown comparison '{op}'"),
    };

    private static bool Identical(object? a, object? b) =>
        a is null || b is null ? a is null && b is null
        : a is bool || b is bool ? a is bool x && b is bool y && x == y
        : a is ConfigDict or List<object?> or object?[] or PySet ? ReferenceEquals(a, b)
        : a.GetType() == b.GetType() && PyOps.Eq(a, b);

    private object? Lookup(NameExpr n)
    {
        for (var scope = _scope; scope is not null; scope = scope.Parent)
            if (scope.Vars.TryGetValue(n.Name, out var value)) return value;
        if (Builtins.Contains(n.Name)) return new PyBuiltin(n.Name);
        if (Forbidden.Contains(n.Name))
            throw Fail(n, $"'{n.Name}' is not available in Kiln configs: a config cannot read files, run code or reach Python internals (builtins a config may call: {string.Join(", ", Builtins.Order(StringComparer.Ordinal))})");
        throw Fail(n, UnknownName(n.Name));
    }

    /// <summary>Python builtins that reach outside the data: named as forbidden rather than as undefined.</summary>
    private static readonly HashSet<string> Forbidden =
    [
        "open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars",
        "input", "breakpoint", "help", "exit", "quit", "type", "object", "super", "memoryview", "id", "iter", "next",
        "callable", "dir", "classmethod", "staticmethod", "property", "issubclass", "bytes", "bytearray",
    ];

    private string UnknownName(string name)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (var scope = _scope; scope is not null; scope = scope.Parent)
            foreach (var k in scope.Vars.Keys) known.Add(k);
        var close = known.Concat(Builtins)
            .Select(k => (k, d: Kiln.Text.NameSuggester.Distance(name, k)))
            .Where(x => x.d <= Math.Max(2, name.Length / 3))
            .OrderBy(x => x.d).ThenBy(x => x.k, StringComparer.Ordinal).Take(5).Select(x => x.k).ToList();
        string hint = name switch
        {
            "true" or "false" or "none" or "null" => $" (Python spells it {char.ToUpperInvariant(name[0])}{name[1..]}{(name == "null" ? " (None)" : "")})",
            _ => "",
        };
        if (name == "null") hint = " (Python spells it None)";
        return $"name '{name}' is not defined{hint}" + (close.Count > 0 ? $"; did you mean: {string.Join(", ", close)}?" :
            known.Count > 0 ? $"; defined names: {string.Join(", ", known.Where(k => !k.StartsWith("__", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(20))}" : "");
    }

    private object? GetAttribute(object? obj, string name)
    {
        if (IsMethod(obj, name)) return new PyMethod(obj!, name);
        if (obj is ConfigDict d)
        {
            // MMEngine's ConfigDict: attributes are keys (methods win, as in Python attribute lookup).
            if (d.TryGetValue(name, out var value)) return value;
            throw new PyError($"'ConfigDict' object has no attribute '{name}' (keys: {string.Join(", ", d.Keys.Select(k => $"'{k}'"))})");
        }
        throw new PyError($"'{PyOps.TypeName(obj)}' object has no attribute '{name}'");
    }

    private static object? GetItem(object? obj, object? index)
    {
        switch (obj)
        {
            case ConfigDict d:
            {
                string key = KeyOf(index);
                return d.TryGetValue(key, out var v) ? v : throw new PyError(MissingKey(d, key));
            }
            case List<object?> list:
                if (index is SliceValue s) return PyOps.SliceIndices(s.Lower, s.Upper, s.Step, list.Count).Select(i => list[i]).ToList();
                return list[PyOps.NormalizeIndex(index, list.Count, "list")];
            case object?[] tuple:
                if (index is SliceValue ts) return PyOps.SliceIndices(ts.Lower, ts.Upper, ts.Step, tuple.Length).Select(i => tuple[i]).ToArray();
                return tuple[PyOps.NormalizeIndex(index, tuple.Length, "tuple")];
            case string str:
                if (index is SliceValue ss)
                    return string.Concat(PyOps.SliceIndices(ss.Lower, ss.Upper, ss.Step, str.Length).Select(i => str[i]));
                return str[PyOps.NormalizeIndex(index, str.Length, "string")].ToString();
        }
        throw new PyError($"'{PyOps.TypeName(obj)}' object is not subscriptable");
    }

    private object? EvalCall(CallExpr call)
    {
        object? target = null;
        string? method = null;
        object? func = null;
        if (call.Func is AttributeExpr a)
        {
            target = Eval(a.Target);
            _current = a;
            if (IsMethod(target, a.Name)) method = a.Name;
            else func = GetAttribute(target, a.Name);
        }
        else func = Eval(call.Func);

        var args = new List<object?>();
        ConfigDict? kwargs = null;
        foreach (var arg in call.Args)
        {
            var value = Eval(arg.Value);
            _current = arg.Value;
            if (arg.Star == 1) args.AddRange(PyOps.Iterate(value));
            else if (arg.Star == 2)
            {
                if (value is not ConfigDict m) throw new PyError($"argument after ** must be a mapping, not {PyOps.TypeName(value)}");
                kwargs ??= new ConfigDict();
                foreach (var (k, v) in m)
                {
                    if (kwargs.ContainsKey(k)) throw new PyError($"got multiple values for keyword argument '{k}'");
                    kwargs[k] = v;
                }
            }
            else if (arg.Name is not null)
            {
                kwargs ??= new ConfigDict();
                if (kwargs.ContainsKey(arg.Name)) throw new PyError($"keyword argument repeated: {arg.Name}");
                kwargs[arg.Name] = value;
            }
            else args.Add(value);
        }
        _current = call;
        // Work a builtin or method does in one step is charged to the budget by the sizes it reads and builds, so
        // that a loop over `list(range(10**7))` stops at the budget instead of running for hours.
        long work = 0;
        foreach (var arg in args) work += Size(arg);
        if (kwargs is not null) foreach (var v in kwargs.Values) work += Size(v);
        if (method is not null && target is List<object?> or string && method is not ("append" or "pop")) work += Size(target);
        Charge(work, call);
        var result = _prov is not null ? RecordCall(call, target, method, func, args, kwargs) : Invoke(call, target, method, func, args, kwargs);
        Charge(Size(result), call);
        return result;
    }

    /// <summary>The work one value stands for: items of a collection, a sixteenth of a string's characters.</summary>
    private static long Size(object? value) => value switch
    {
        null or bool or long or double => 0,
        string s => s.Length >> 4,
        List<object?> l => l.Count,
        object?[] t => t.Length,
        ConfigDict d => d.Count,
        PySet set => set.Items.Count,
        _ => 0,
    };

    private void Charge(long work, Node at)
    {
        if (work == 0) return;
        _steps += work;
        if (_steps > _budget) Step(at);
    }

    private object? Invoke(CallExpr call, object? target, string? method, object? func, List<object?> args, ConfigDict? kwargs)
    {
        if (method is not null) return CallMethod(target, method, args, kwargs);
        return func switch
        {
            PyBuiltin b => CallBuiltin(b.Name, args, kwargs),
            PyMethod m => CallMethod(m.Target, m.Name, args, kwargs),
            _ => throw new PyError($"'{PyOps.TypeName(func)}' object is not callable" +
                (call.Func is NameExpr fn ? $" ('{fn.Name}' is a {PyOps.TypeName(func)} value, not a function)" : "")),
        };
    }

    /// <summary>
    /// The provenance path of a call: <c>dict(a=1)</c> records each keyword at its own line, <c>dict(src)</c>,
    /// <c>d.copy()</c> and <c>d.update(src)</c> carry the source's records over, <c>d.setdefault(k, v)</c> records a new key.
    /// </summary>
    private object? RecordCall(CallExpr call, object? target, string? method, object? func, List<object?> args, ConfigDict? kwargs)
    {
        bool hadKey = method == "setdefault" && target is ConfigDict sd && args.Count > 0 && args[0] is string sk && sd.ContainsKey(sk);
        object? result = Invoke(call, target, method, func, args, kwargs);
        ConfigDict? into = null;
        if (func is PyBuiltin { Name: "dict" } && result is ConfigDict made) into = made;
        else if (method is "update" && target is ConfigDict updated) into = updated;
        else if (method is "copy" && target is ConfigDict original && result is ConfigDict copy)
            _prov!.Copy(original, copy);
        else if (method is "setdefault" && !hadKey && target is ConfigDict withDefault && args[0] is string newKey)
            _prov!.Set(withDefault, newKey, _file, call.Line, withDefault.Get(newKey));
        if (into is not null)
        {
            if (args.Count == 1 && args[0] is ConfigDict src) RecordKeys(into, src, call.Line);
            else if (args.Count == 1) foreach (var k in into.Keys) if (_prov!.Get(into, k) is null) _prov.Set(into, k, _file, call.Line, into[k]);
            if (kwargs is not null)
                foreach (var (k, v) in kwargs)
                {
                    var arg = call.Args.LastOrDefault(x => x.Name == k);
                    _prov!.Set(into, k, _file, arg?.Value.Line ?? call.Line, v);
                }
        }
        return result;
    }
}
