namespace Kiln.Config.Python;

/// <summary>Python's binary and unary operators on the value model.</summary>
internal static class PyArith
{
    public static object? Binary(string op, object? a, object? b)
    {
        if (PyOps.IsNumber(a) && PyOps.IsNumber(b)) return Numeric(op, a, b);
        switch (op)
        {
            case "+":
                if (a is string s1 && b is string s2) { CheckSize(s1.Length + (long)s2.Length); return s1 + s2; }
                if (a is List<object?> l1 && b is List<object?> l2) { CheckSize(l1.Count + (long)l2.Count); return new List<object?>(l1.Concat(l2)); }
                if (a is object?[] t1 && b is object?[] t2) { CheckSize(t1.Length + (long)t2.Length); return t1.Concat(t2).ToArray(); }
                break;
            case "*":
                if (b is long or bool && a is string or List<object?> or object?[]) return Repeat(a!, PyOps.ToLong(b));
                if (a is long or bool && b is string or List<object?> or object?[]) return Repeat(b!, PyOps.ToLong(a));
                break;
            case "%":
                if (a is string fmt) return PyFormat.Percent(fmt, b);
                break;
            case "|":
                if (a is ConfigDict d1 && b is ConfigDict d2)
                {
                    var merged = new ConfigDict(d1);
                    foreach (var (k, v) in d2) merged[k] = v;
                    return merged;
                }
                if (a is PySet u1 && b is PySet u2) return new PySet(u1.Items.Concat(u2.Items));
                break;
            case "&":
                if (a is PySet i1 && b is PySet i2) return new PySet(i1.Items.Where(i2.Contains));
                break;
            case "-":
                if (a is PySet m1 && b is PySet m2) return new PySet(m1.Items.Where(x => !m2.Contains(x)));
                break;
            case "^":
                if (a is PySet x1 && b is PySet x2)
                    return new PySet(x1.Items.Where(x => !x2.Contains(x)).Concat(x2.Items.Where(x => !x1.Contains(x))));
                break;
        }
        throw new PyError($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");
    }

    /// <summary>The largest string or sequence one operation may build: the step budget counts operations, not elements.</summary>
    public const long MaxSize = 10_000_000;

    public static long CheckSize(long size) =>
        size > MaxSize ? throw new PyError($"the result would have {size:N0} items, more than a config may build ({MaxSize:N0})") : size;

    private static object Repeat(object seq, long n)
    {
        n = Math.Max(0, n);
        if (n > 0 && PyOps.Len(seq) > MaxSize / n) throw new PyError("sequence repetition result is too large for a config");
        return seq switch
        {
            string s => string.Concat(Enumerable.Repeat(s, (int)n)),
            List<object?> l => Enumerable.Range(0, (int)n).SelectMany(_ => l).ToList(),
            _ => Enumerable.Range(0, (int)n).SelectMany(_ => (object?[])seq).ToArray(),
        };
    }

    private static object Numeric(string op, object? a, object? b)
    {
        bool isFloat = a is double || b is double;
        if (op == "/")
        {
            double den = PyOps.ToDouble(b);
            if (den == 0) throw new PyError("division by zero");
            return PyOps.ToDouble(a) / den;
        }
        if (isFloat)
        {
            double x = PyOps.ToDouble(a), y = PyOps.ToDouble(b);
            switch (op)
            {
                case "+": return x + y;
                case "-": return x - y;
                case "*": return x * y;
                case "**": return Math.Pow(x, y);
                case "//":
                    if (y == 0) throw new PyError("float floor division by zero");
                    return Math.Floor(x / y);
                case "%":
                    if (y == 0) throw new PyError("float modulo by zero");
                    double r = x % y;
                    return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            throw new PyError($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");
        }
        long i = PyOps.ToLong(a), j = PyOps.ToLong(b);
        switch (op)
        {
            case "+": return i + j;
            case "-": return i - j;
            case "*": return i * j;
            case "//":
                if (j == 0) throw new PyError("integer division or modulo by zero");
                return FloorDiv(i, j);
            case "%":
                if (j == 0) throw new PyError("integer division or modulo by zero");
                return i - FloorDiv(i, j) * j;
            case "**":
                if (j < 0) return Math.Pow(i, j);
                // Squaring, not a loop of j multiplications: 1 ** 10**18 must not hang outside the step budget.
                long result = 1, square = i;
                for (long e = j; e > 0; e >>= 1)
                {
                    if ((e & 1) != 0) result = checked(result * square);
                    if (e > 1) square = checked(square * square);
                }
                return result;
            case "|": return i | j;
            case "&": return i & j;
            case "^": return i ^ j;
            case "<<": return i << (int)j;
            case ">>": return i >> (int)j;
        }
        throw new PyError($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");
    }

    private static long FloorDiv(long i, long j)
    {
        long q = i / j;
        return (i % j != 0 && (i < 0) != (j < 0)) ? q - 1 : q;
    }

    public static object? Unary(string op, object? v)
    {
        switch (op)
        {
            case "not": return !PyOps.Truthy(v);
            case "-":
                if (v is double d) return -d;
                if (v is long or bool) return -PyOps.ToLong(v);
                break;
            case "+":
                if (v is double) return v;
                if (v is long or bool) return PyOps.ToLong(v);
                break;
            case "~":
                if (v is long or bool) return ~PyOps.ToLong(v);
                break;
        }
        throw new PyError($"bad operand type for unary {op}: '{PyOps.TypeName(v)}'");
    }
}
