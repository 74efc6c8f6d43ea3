using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Kiln.Config;

/// <summary>
/// MMEngine's <c>ConfigDict</c>: an insertion-ordered mapping from string keys to config values.
/// </summary>
/// <remarks>
/// Config values are plain data, the same whichever format (.py, .json, .yaml) they came from:
/// <list type="table">
/// <item><term><c>None</c></term><description><see langword="null"/></description></item>
/// <item><term><c>bool</c></term><description><see cref="bool"/></description></item>
/// <item><term><c>int</c></term><description><see cref="long"/></description></item>
/// <item><term><c>float</c></term><description><see cref="double"/></description></item>
/// <item><term><c>str</c></term><description><see cref="string"/></description></item>
/// <item><term><c>list</c></term><description><see cref="List{T}"/> of <see cref="object"/></description></item>
/// <item><term><c>tuple</c></term><description><see cref="object"/><c>?[]</c> (an array)</description></item>
/// <item><term><c>dict</c></term><description><see cref="ConfigDict"/></description></item>
/// </list>
/// </remarks>
public sealed class ConfigDict : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    private readonly OrderedDictionary<string, object?> _items;

    public ConfigDict() => _items = new OrderedDictionary<string, object?>(StringComparer.Ordinal);

    public ConfigDict(IEnumerable<KeyValuePair<string, object?>> items) : this()
    {
        foreach (var (key, value) in items) _items[key] = value;
    }

    /// <summary>Gets or sets a value; reading a missing key throws a <see cref="KeyNotFoundException"/> naming it.</summary>
    public object? this[string key]
    {
        get => _items.TryGetValue(key, out var value)
            ? value
            : throw new KeyNotFoundException($"'{key}' is not in this config dict (keys: {string.Join(", ", _items.Keys)})");
        set => _items[key] = value;
    }

    public int Count => _items.Count;

    public ICollection<string> Keys => _items.Keys;

    public ICollection<object?> Values => _items.Values;

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => _items.Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => _items.Values;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    /// <summary>The <c>type</c> key as a string, or null when absent.</summary>
    public string? Type => _items.TryGetValue("type", out var t) ? t as string : null;

    public void Add(string key, object? value) => _items.Add(key, value);

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool Remove(string key) => _items.Remove(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _items.TryGetValue(key, out value);

    /// <summary>Python's <c>dict.get(key, default)</c>.</summary>
    public object? Get(string key, object? defaultValue = null) => _items.TryGetValue(key, out var v) ? v : defaultValue;

    /// <summary>Python's <c>dict.pop(key, default)</c>.</summary>
    public object? Pop(string key, object? defaultValue = null)
    {
        if (!_items.Remove(key, out var value)) return defaultValue;
        return value;
    }

    /// <summary>Python's <c>dict.setdefault(key, value)</c>.</summary>
    public object? SetDefault(string key, object? value)
    {
        if (_items.TryGetValue(key, out var existing)) return existing;
        _items[key] = value;
        return value;
    }

    public void Clear() => _items.Clear();

    /// <summary>A deep copy: nested dicts, lists and tuples are copied; scalars are immutable and shared.</summary>
    public ConfigDict DeepClone()
    {
        var copy = new ConfigDict();
        foreach (var (key, value) in _items) copy._items[key] = CloneValue(value);
        return copy;
    }

    /// <summary>Deep-copies one config value (see <see cref="DeepClone"/>).</summary>
    public static object? CloneValue(object? value) => value switch
    {
        ConfigDict d => d.DeepClone(),
        List<object?> list => list.Select(CloneValue).ToList(),
        object?[] tuple => tuple.Select(CloneValue).ToArray(),
        _ => value,
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) => _items.Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
        _items.TryGetValue(item.Key, out var v) && Equals(v, item.Value);

    void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)_items).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_items).Remove(item);

    public override string ToString() => ConfigFormatter.Format(this);
}
