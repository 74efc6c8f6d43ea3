namespace Kiln.Config.Python;

/// <summary>
/// Evaluates a parsed config module: a tree-walking interpreter over the value model, with Python semantics,
/// no access to anything outside the module's own variables, and a step budget so a config cannot hang.
/// </summary>
/// <remarks>
/// As MMEngine's <c>exec</c> of the config, the module runs with <c>_base_</c> bound to the merged base dict;
/// reading <c>_base_.model</c> returns the base's own object, so mutating it changes the merged result.
/// </remarks>
internal sealed partial class PyInterpreter
{
    private enum Flow { Normal, Break, Continue }

    private readonly string? _file;
    private readonly long _budget;
    private readonly ProvenanceTable? _prov;
    private long _steps;
    private Node? _current;
    private Scope _scope;

    private sealed class Scope(Scope? parent)
    {
        public readonly OrderedDictionary<string, object?> Vars = new(StringComparer.Ordinal);
        public readonly Scope? Parent = parent;
    }

    private PyInterpreter(string? file, long budget, ProvenanceTable? prov = null)
    {
        _file = file;
        _budget = budget;
        _prov = prov;
        _scope = new Scope(null);
    }

    /// <summary>
    /// Runs <paramref name="module"/> with <paramref name="globals"/> predefined and returns every variable it
    /// ends with, in first-assignment order (the predefined ones included when still bound). With
    /// <paramref name="prov"/>, every assignment to a dict key or global is recorded there (the globals under the
    /// returned dictionary).
    /// </summary>
    public static OrderedDictionary<string, object?> Run(
        IEnumerable<Stmt> module, string? file, IReadOnlyDictionary<string, object?> globals, long budget, ProvenanceTable? prov = null)
    {
        var interpreter = new PyInterpreter(file, budget, prov);
        foreach (var (k, v) in globals) interpreter._scope.Vars[k] = v;
        foreach (var stmt in module)
        {
            var flow = interpreter.Exec(stmt);
            if (flow != Flow.Normal) throw ConfigException.At(file, stmt.Line, stmt.Col, "'break' or 'continue' outside a loop");
        }
        return interpreter._scope.Vars;
    }

    /// <summary>Evaluates one expression with no variables bound (used for the <c>_base_ = ...</c> line).</summary>
    public static object? EvalConstant(Expr expr, string? file, long budget)
    {
        var interpreter = new PyInterpreter(file, budget);
        try
        {
            return interpreter.Eval(expr);
        }
        catch (Exception e) when (IsEvaluationError(e))
        {
            throw interpreter.Translate(e, expr);
        }
    }

    private void Step(Node node)
    {
        _current = node;
        if (++_steps > _budget)
            throw ConfigException.At(_file, node.Line, node.Col,
                $"the config exceeded its evaluation budget of {_budget:N0} steps (an endless loop?); raise ConfigLoadOptions.StepBudget if it is genuinely this big");
    }

    private ConfigException Fail(Node? at, string message) =>
        ConfigException.At(_file, at?.Line ?? 0, at?.Col ?? 0, message);

    private Flow ExecBlock(List<Stmt> body)
    {
        foreach (var stmt in body)
        {
            var flow = Exec(stmt);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Exec(Stmt stmt)
    {
        Step(stmt);
        try
        {
            switch (stmt)
            {
                case AssignStmt a:
                {
                    var value = Eval(a.Value);
                    foreach (var target in a.Targets) Assign(target, value);
                    return Flow.Normal;
                }
                case AugAssignStmt aug:
                {
                    var current = Eval(aug.Target);
                    var operand = Eval(aug.Value);
                    _current = aug;
                    // `list += iterable` extends in place, as Python does; everything else rebinds.
                    if (aug.Op == "+" && current is List<object?> list)
                    {
                        var more = PyOps.Iterate(operand).ToList();
                        PyArith.CheckSize(list.Count + (long)more.Count);
                        list.AddRange(more);
                        return Flow.Normal;
                    }
                    if (aug.Op == "|" && current is ConfigDict dict && operand is ConfigDict other)
                    {
                        foreach (var (k, v) in other) dict[k] = v;
                        RecordKeys(dict, other, aug.Line);
                        return Flow.Normal;
                    }
                    Assign(aug.Target, PyArith.Binary(aug.Op, current, operand));
                    return Flow.Normal;
                }
                case ExprStmt e:
                    Eval(e.Value);
                    return Flow.Normal;
                case IfStmt i:
                    return PyOps.Truthy(Eval(i.Test)) ? ExecBlock(i.Body) : ExecBlock(i.OrElse);
                case ForStmt f:
                {
                    var items = PyOps.Iterate(Eval(f.Iter));
                    // Iterate a snapshot: Python would raise on a dict changed during iteration; a copy is safer.
                    foreach (var item in items.ToArray())
                    {
                        Assign(f.Target, item);
                        if (ExecBlock(f.Body) == Flow.Break) return Flow.Normal;
                    }
                    return ExecBlock(f.OrElse);
                }
                case WhileStmt w:
                {
                    while (PyOps.Truthy(Eval(w.Test)))
                    {
                        Step(w);
                        if (ExecBlock(w.Body) == Flow.Break) return Flow.Normal;
                    }
                    return ExecBlock(w.OrElse);
                }
                case DelStmt d:
                    foreach (var target in d.Targets) Delete(target);
                    return Flow.Normal;
                case AssertStmt a:
                    if (!PyOps.Truthy(Eval(a.Test)))
                        throw Fail(a, "assertion failed" + (a.Message is null ? "" : ": " + PyOps.Str(Eval(a.Message))));
                    return Flow.Normal;
                case KeywordStmt k:
                    return k.Keyword switch { "break" => Flow.Break, "continue" => Flow.Continue, _ => Flow.Normal };
            }
        }
        catch (Exception e) when (IsEvaluationError(e))
        {
            throw Translate(e, stmt);
        }
        throw Fail(stmt, $"unsupported statement {stmt.GetType().Name}");
    }

    /// <summary>An evaluation failure as a <see cref="ConfigException"/> at the node being evaluated.</summary>
    private ConfigException Translate(Exception e, Node fallback) => e switch
    {
        PyError => Fail(_current ?? fallback, e.Message),
        OverflowException => Fail(_current ?? fallback, "integer overflow (Kiln config integers are 64-bit)"),
        _ => Fail(_current ?? fallback, $"cannot evaluate this expression: {e.Message}"),
    };

    private static bool IsEvaluationError(Exception e) =>
        e is PyError or OverflowException or InvalidCastException or ArgumentException or IndexOutOfRangeException
            or InvalidOperationException or FormatException;

    private void Assign(Expr target, object? value)
    {
        switch (target)
        {
            case NameExpr n:
                Bind(n.Name, value);
                if (_prov is not null && _scope.Parent is null) _prov.Set(_scope.Vars, n.Name, _file, n.Line, value);
                return;
            case AttributeExpr a:
            {
                var obj = Eval(a.Target);
                _current = a;
                if (obj is ConfigDict d)
                {
                    d[a.Name] = value;
                    _prov?.Set(d, a.Name, _file, a.Line, value);
                    return;
                }
                throw new PyError($"'{PyOps.TypeName(obj)}' object has no attribute '{a.Name}' to set" +
                    (obj is string s && s.StartsWith('_') ? " (a {{_base_.xxx}} reference is text, substituted after parsing: use _base_.xxx to modify a base variable)" : ""));
            }
            case SubscriptExpr s:
            {
                var obj = Eval(s.Target);
                var index = Eval(s.Index);
                _current = s;
                SetItem(obj, index, value);
                if (_prov is not null && obj is ConfigDict sd) _prov.Set(sd, KeyOf(index), _file, s.Line, value);
                return;
            }
            case TupleExpr or ListExpr:
            {
                var targets = target is TupleExpr t ? t.Items : ((ListExpr)target).Items;
                var items = PyOps.Iterate(value);
                int star = targets.FindIndex(x => x is StarredExpr);
                if (star < 0)
                {
                    if (items.Count != targets.Count)
                        throw new PyError(items.Count > targets.Count
                            ? $"too many values to unpack (expected {targets.Count}, got {items.Count})"
                            : $"not enough values to unpack (expected {targets.Count}, got {items.Count})");
                    for (int i = 0; i < targets.Count; i++) Assign(targets[i], items[i]);
                    return;
                }
                int after = targets.Count - star - 1;
                if (items.Count < targets.Count - 1)
                    throw new PyError($"not enough values to unpack (expected at least {targets.Count - 1}, got {items.Count})");
                for (int i = 0; i < star; i++) Assign(targets[i], items[i]);
                Assign(((StarredExpr)targets[star]).Value, items.Skip(star).Take(items.Count - star - after).ToList());
                for (int i = 0; i < after; i++) Assign(targets[star + 1 + i], items[items.Count - after + i]);
                return;
            }
            default:
                throw Fail(target, "cannot assign to this expression");
        }
    }

    private void Bind(string name, object? value) => _scope.Vars[name] = value;

    /// <summary>Provenance: the keys of <paramref name="source"/> were copied into <paramref name="target"/> at <paramref name="line"/>.</summary>
    private void RecordKeys(ConfigDict target, ConfigDict source, int line)
    {
        if (_prov is null) return;
        foreach (var (k, v) in source)
        {
            var from = _prov.Get(source, k);
            if (from is null) _prov.Set(target, k, _file, line, v);
            else _prov.Put(target, k, from.Then(_prov.Get(target, k) is { } old && !ReferenceEquals(old, from) ? old : null));
        }
    }

    private void SetItem(object? obj, object? index, object? value)
    {
        switch (obj)
        {
            case ConfigDict d:
                d[KeyOf(index)] = value;
                return;
            case List<object?> list when index is SliceValue slice:
            {
                var positions = PyOps.SliceIndices(slice.Lower, slice.Upper, slice.Step, list.Count);
                var items = PyOps.Iterate(value).ToList();
                if (slice.Step is null or 1L)
                {
                    int start = positions.Count > 0 ? positions[0] : (int)Math.Clamp(slice.Lower is null ? 0 : PyOps.ToLong(slice.Lower) < 0 ? PyOps.ToLong(slice.Lower) + list.Count : PyOps.ToLong(slice.Lower), 0, list.Count);
                    list.RemoveRange(start, positions.Count);
                    list.InsertRange(start, items);
                    return;
                }
                if (items.Count != positions.Count)
                    throw new PyError($"attempt to assign sequence of size {items.Count} to extended slice of size {positions.Count}");
                for (int i = 0; i < positions.Count; i++) list[positions[i]] = items[i];
                return;
            }
            case List<object?> list:
                list[PyOps.NormalizeIndex(index, list.Count, "list assignment")] = value;
                return;
            case object?[]:
                throw new PyError("'tuple' object does not support item assignment (tuples are immutable; use a list)");
            case string:
                throw new PyError("'str' object does not support item assignment" +
                    " (note: a {{_base_.xxx}} reference is a placeholder string until the file is parsed, so it cannot be modified in the same file; use _base_.xxx instead)");
            default:
                throw new PyError($"'{PyOps.TypeName(obj)}' object does not support item assignment");
        }
    }

    private void Delete(Expr target)
    {
        switch (target)
        {
            case NameExpr n:
                if (!_scope.Vars.Remove(n.Name)) throw Fail(n, $"name '{n.Name}' is not defined");
                return;
            case SubscriptExpr s:
            {
                var obj = Eval(s.Target);
                var index = Eval(s.Index);
                _current = s;
                if (obj is ConfigDict d)
                {
                    string key = KeyOf(index);
                    if (!d.Remove(key)) throw new PyError(MissingKey(d, key));
                }
                else if (obj is List<object?> list)
                {
                    if (index is SliceValue slice)
                        foreach (int i in PyOps.SliceIndices(slice.Lower, slice.Upper, slice.Step, list.Count).OrderDescending()) list.RemoveAt(i);
                    else list.RemoveAt(PyOps.NormalizeIndex(index, list.Count, "list"));
                }
                else throw new PyError($"'{PyOps.TypeName(obj)}' object does not support item deletion");
                return;
            }
            case AttributeExpr a:
            {
                var obj = Eval(a.Target);
                _current = a;
                if (obj is ConfigDict d && d.Remove(a.Name)) return;
                throw new PyError($"'{PyOps.TypeName(obj)}' object has no attribute '{a.Name}'");
            }
            case TupleExpr t:
                foreach (var item in t.Items) Delete(item);
                return;
            default:
                throw Fail(target, "cannot delete this expression");
        }
    }

    /// <summary>Config dicts are keyed by strings only (the value model); other keys are a clear error.</summary>
    internal static string KeyOf(object? key) => key as string
        ?? throw new PyError($"Kiln config dicts take string keys only, got {PyOps.TypeName(key)} {PyOps.Repr(key)}");

    internal static string MissingKey(ConfigDict d, string key) =>
        $"KeyError: '{key}' (keys: {(d.Count == 0 ? "none" : string.Join(", ", d.Keys.Select(k => $"'{k}'")))})";
}
