using Kiln.Config.Python;

namespace Kiln.Config;

/// <summary>Checks and converts values leaving the interpreter into the value model.</summary>
internal static class ConfigValues
{
    /// <summary>
    /// Sets become lists (the value model has no set; insertion order is kept). Anything that is not data
    /// (a builtin function, a method) inside a value is an error naming <paramref name="where"/>.
    /// </summary>
    public static object? FromPython(object? value, string where, Expansion? expansion = null) =>
        FromPython(value, where, new HashSet<object>(ReferenceEqualityComparer.Instance), expansion ?? new Expansion());

    /// <summary>
    /// How big a file's values are when written out, counting a value shared by many keys once per key (as a dump
    /// writes it): 100,000 references to one 1 MB string take no memory but would print 100 GB.
    /// </summary>
    public sealed class Expansion
    {
        /// <summary>The most items plus characters a config's values may expand to.</summary>
        public const long Limit = 50_000_000;

        public long Size;
    }

    private static object? FromPython(object? value, string where, HashSet<object> path, Expansion expansion)
    {
        expansion.Size += value is string str ? str.Length + 1 : 1;
        if (expansion.Size > Expansion.Limit)
            throw new ConfigException(
                $"{where}: the config's values expand to more than {Expansion.Limit:N0} items and characters when written out (a value repeated many times?)");
        if (value is ConfigDict or List<object?> or object?[] && !path.Add(value!))
            throw new ConfigException($"{where} contains itself (e.g. x.append(x)); config values must be trees");
        try
        {
            return Convert(value, where, path, expansion);
        }
        finally
        {
            if (value is not null) path.Remove(value);
        }
    }

    private static object? Convert(object? value, string where, HashSet<object> path, Expansion expansion)
    {
        switch (value)
        {
            case null or bool or long or double or string:
                return value;
            case ConfigDict d:
                foreach (var key in d.Keys.ToList()) d[key] = FromPython(d[key], where, path, expansion);
                return d;
            case List<object?> l:
                for (int i = 0; i < l.Count; i++) l[i] = FromPython(l[i], where, path, expansion);
                return l;
            case object?[] t:
                for (int i = 0; i < t.Length; i++) t[i] = FromPython(t[i], where, path, expansion);
                return t;
            case PySet s:
                return s.Items.Select(x => FromPython(x, where, path, expansion)).ToList();
            default:
                throw new ConfigException(
                    $"{where} holds {value} ({PyOps.TypeName(value)}), which is not config data; configs may hold None, bool, int, float, str, list, tuple and dict");
        }
    }
}
