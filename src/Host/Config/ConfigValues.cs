using Kiln.Config.Python;

namespace Kiln.Config;

/// <summary>Checks and converts values leaving the interpreter into the value model.</summary>
internal static class ConfigValues
{
    /// <summary>
    /// Sets become lists (the value model has no set; insertion order is kept). Anything that is not data
    /// (a builtin function, a method) inside a value is an error naming <paramref name="where"/>.
    /// </summary>
    public static object? FromPython(object? value, string where) =>
        FromPython(value, where, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static object? FromPython(object? value, string where, HashSet<object> path)
    {
        if (value is ConfigDict or List<object?> or object?[] && !path.Add(value!))
            throw new ConfigException($"{where} contains itself (e.g. x.append(x)); config values must be trees");
        try
        {
            return Convert(value, where, path);
        }
        finally
        {
            if (value is not null) path.Remove(value);
        }
    }

    private static object? Convert(object? value, string where, HashSet<object> path)
    {
        switch (value)
        {
            case null or bool or long or double or string:
                return value;
            case ConfigDict d:
                foreach (var key in d.Keys.ToList()) d[key] = FromPython(d[key], where, path);
                return d;
            case List<object?> l:
                for (int i = 0; i < l.Count; i++) l[i] = FromPython(l[i], where, path);
                return l;
            case object?[] t:
                for (int i = 0; i < t.Length; i++) t[i] = FromPython(t[i], where, path);
                return t;
            case PySet s:
                return s.Items.Select(x => FromPython(x, where, path)).ToList();
            default:
                throw new ConfigException(
                    $"{where} holds {value} ({PyOps.TypeName(value)}), which is not config data; configs may hold None, bool, int, float, str, list, tuple and dict");
        }
    }
}
