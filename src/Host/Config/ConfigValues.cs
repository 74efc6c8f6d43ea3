using Kiln.Config.Python;

namespace Kiln.Config;

/// <summary>Checks and converts values leaving the interpreter into the value model.</summary>
internal static class ConfigValues
{
    /// <summary>
    /// Sets become lists (the value model has no set; insertion order is kept). Anything that is not data
    /// (a builtin function, a method) inside a value is an error naming <paramref name="where"/>.
    /// </summary>
    public static object? FromPython(object? value, string where)
    {
        switch (value)
        {
            case null or bool or long or double or string:
                return value;
            case ConfigDict d:
                foreach (var key in d.Keys.ToList()) d[key] = FromPython(d[key], where);
                return d;
            case List<object?> l:
                for (int i = 0; i < l.Count; i++) l[i] = FromPython(l[i], where);
                return l;
            case object?[] t:
                for (int i = 0; i < t.Length; i++) t[i] = FromPython(t[i], where);
                return t;
            case PySet s:
                return s.Items.Select(x => FromPython(x, where)).ToList();
            default:
                throw new ConfigException(
                    $"{where} holds {value} ({PyOps.TypeName(value)}), which is not config data; configs may hold None, bool, int, float, str, list, tuple and dict");
        }
    }
}
