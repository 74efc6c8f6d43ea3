using System.Numerics;

namespace Kiln.Checkpoints;

/// <summary>
/// Compares dict keys as Python does for the key kinds checkpoints use: integers by value whatever their CLR type
/// (Python's <c>hash(1) == hash(1.0)</c> equality across int/float is not reproduced), tuples element by element.
/// </summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y)
    {
        if (TryInteger(x, out var a) && TryInteger(y, out var b))
        {
            return a == b;
        }

        if (x is object?[] tx && y is object?[] ty)
        {
            if (tx.Length != ty.Length)
            {
                return false;
            }

            for (var i = 0; i < tx.Length; i++)
            {
                if (!Equals(tx[i], ty[i]))
                {
                    return false;
                }
            }

            return true;
        }

        return object.Equals(x, y);
    }

    public int GetHashCode(object obj)
    {
        if (TryInteger(obj, out var n))
        {
            return n.GetHashCode();
        }

        if (obj is object?[] tuple)
        {
            var hash = new HashCode();
            foreach (var item in tuple)
            {
                hash.Add(item is null ? 0 : GetHashCode(item));
            }

            return hash.ToHashCode();
        }

        return obj.GetHashCode();
    }

    internal static bool TryInteger(object? value, out BigInteger result)
    {
        switch (value)
        {
            case long l: result = l; return true;
            case int i: result = i; return true;
            case short s: result = s; return true;
            case sbyte sb: result = sb; return true;
            case byte b: result = b; return true;
            case ushort us: result = us; return true;
            case uint ui: result = ui; return true;
            case ulong ul: result = ul; return true;
            default: result = default; return false;
        }
    }
}
