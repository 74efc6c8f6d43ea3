namespace Kiln.Config.Python;

// Values that exist only while a .py config runs. None of them can leave the interpreter: the result keeps
// plain data only (see PyInterpreter.ToConfigValue).

/// <summary>A builtin function or type (<c>len</c>, <c>int</c>, <c>dict</c>, ...), callable and usable in <c>isinstance</c>.</summary>
internal sealed record PyBuiltin(string Name)
{
    public override string ToString() => Name is "int" or "float" or "str" or "bool" or "list" or "tuple" or "dict" or "set"
        ? $"<class '{Name}'>"
        : $"<built-in function {Name}>";
}

/// <summary>A method looked up on a value but not called yet (<c>f = d.get</c>).</summary>
internal sealed record PyMethod(object Target, string Name)
{
    public override string ToString() => $"<built-in method {Name} of {PyOps.TypeName(Target)} object>";
}

/// <summary>Python's <c>set</c>: insertion-ordered here so that results are deterministic.</summary>
internal sealed class PySet
{
    private readonly HashSet<object?> _seen = new(PyValueComparer.Instance);

    public List<object?> Items { get; } = [];

    public PySet(IEnumerable<object?> items)
    {
        foreach (var item in items) Add(item);
    }

    public bool Add(object? item)
    {
        PyOps.CheckHashable(item);
        if (!_seen.Add(item)) return false;
        Items.Add(item);
        return true;
    }

    public bool Contains(object? item) => _seen.Contains(item);

    public bool Remove(object? item)
    {
        if (!_seen.Remove(item)) return false;
        Items.RemoveAt(Items.FindIndex(x => PyOps.Eq(x, item)));
        return true;
    }
}

/// <summary>Python's <c>==</c> and <c>hash</c>, for sets and <c>in</c>.</summary>
internal sealed class PyValueComparer : IEqualityComparer<object?>
{
    public static readonly PyValueComparer Instance = new();

    public new bool Equals(object? x, object? y) => PyOps.Eq(x, y);

    public int GetHashCode(object? obj) => obj switch
    {
        null => 0,
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d => d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? ((long)d).GetHashCode() : d.GetHashCode(),
        string s => s.GetHashCode(StringComparison.Ordinal),
        object?[] t => t.Aggregate(17, (h, x) => h * 31 + GetHashCode(x)),
        _ => obj.GetHashCode(),
    };
}

/// <summary>An evaluated <c>a:b:c</c> subscript.</summary>
internal sealed record SliceValue(object? Lower, object? Upper, object? Step);
