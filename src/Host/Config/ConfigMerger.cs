namespace Kiln.Config;

/// <summary>MMEngine's <c>Config._merge_a_into_b</c>, quirks included (internals §3.2).</summary>
internal static class ConfigMerger
{
    public const string DeleteKey = "_delete_";

    /// <summary>Merges <paramref name="a"/> (the child) into a shallow copy of <paramref name="b"/> (the base).</summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Dicts merge recursively; every other value (scalars, None, <b>lists and tuples</b>) replaces the base
    /// value wholesale: list elements, even dicts, are never merged during inheritance.</item>
    /// <item><c>_delete_=True</c> in a child dict discards the base dict at that key; the key is popped from the
    /// child dict (mutating it, as MMEngine does).</item>
    /// <item>Quirk: when the base has <b>no</b> such key, <c>_delete_</c> is never popped and survives into the
    /// result (<c>merge({'x': {'_delete_': True, 'a': 1}}, {'y': 1})</c> keeps it), because MMEngine evaluates
    /// <c>k in b and not v.pop('_delete_', False)</c> with short-circuit.</item>
    /// <item>Quirk: a child dict over a base non-dict is an error unless <c>_delete_</c>; a child non-dict over a
    /// base dict silently replaces it.</item>
    /// <item>With <paramref name="allowListKeys"/> (used by <c>merge_from_dict</c> only), digit keys index into a
    /// base list and merge into that element; out of range is an error.</item>
    /// </list>
    /// <para>With <paramref name="prov"/>, each key of the result carries the child's origin chained over the base's.</para>
    /// </remarks>
    public static object Merge(ConfigDict a, object b, bool allowListKeys, string path = "", ProvenanceTable? prov = null)
    {
        if (b is List<object?> baseList)
        {
            var list = new List<object?>(baseList);
            prov?.Copy(baseList, list);
            foreach (var (k, v) in a)
            {
                if (!(allowListKeys && k.Length > 0 && k.All(char.IsAsciiDigit)))
                    throw new ConfigException(
                        $"cannot merge key '{Join(path, k)}' into a list (at '{path}'); " +
                        (allowListKeys ? "only digit keys index lists, e.g. 'pipeline.0.type'" : "list index keys are not allowed here"));
                int index = int.Parse(k, System.Globalization.CultureInfo.InvariantCulture);
                if (index >= list.Count)
                    throw new ConfigException($"Index {index} exceeds the length of list {ConfigFormatter.Format(list)} (key '{Join(path, k)}')");
                if (v is not ConfigDict child)
                    throw new ConfigException(
                        $"cannot set list element '{Join(path, k)}' to a plain value; MMEngine's merge only merges a dict into a list element (e.g. '{Join(path, k)}.type=...')");
                list[index] = Merge(child, list[index] ?? throw new ConfigException($"list element '{Join(path, k)}' is None and cannot be merged into"), allowListKeys, Join(path, k), prov);
            }
            return list;
        }
        if (b is not ConfigDict baseDict)
            throw new ConfigException($"cannot merge a dict into '{path}', which is of type {TypeName(b)}");
        var result = new ConfigDict(baseDict);
        prov?.Copy(baseDict, result);
        foreach (var (k, v) in a)
        {
            if (v is ConfigDict childDict)
            {
                if (result.TryGetValue(k, out var existing) && !IsTrue(childDict.Pop(DeleteKey, false)))
                {
                    bool allowed = existing is ConfigDict || (allowListKeys && existing is List<object?>);
                    if (!allowed)
                        throw new ConfigException(
                            $"{Join(path, k)}={ConfigFormatter.Format(childDict)} in child config cannot inherit from base because {k} is a dict in the child config but is of type {TypeName(existing)} in base config. You may set `{DeleteKey}=True` to ignore the base config.");
                    result[k] = Merge(childDict, existing!, allowListKeys, Join(path, k), prov);
                    // A dict merged key by key keeps the base's record unless the child set the dict itself.
                    if (prov?.Get(a, k) is { } merged) prov.Put(result, k, merged.Then(BaseOrigin(prov, baseDict, k)));
                    continue;
                }
                result[k] = childDict;
            }
            else result[k] = v;
            prov?.Put(result, k, prov.Get(a, k)?.Then(BaseOrigin(prov, baseDict, k)));
        }
        return result;
    }

    private static ConfigValueOrigin? BaseOrigin(ProvenanceTable prov, ConfigDict baseDict, string key) =>
        baseDict.ContainsKey(key) ? prov.Get(baseDict, key) : null;

    private static bool IsTrue(object? v) => v switch { null => false, bool b => b, long l => l != 0, double d => d != 0, string s => s.Length > 0, _ => true };

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    internal static string TypeName(object? v) => Python.PyOps.TypeName(v);
}
