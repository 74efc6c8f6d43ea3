using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Kiln.Checkpoints;

/// <summary>
/// A checkpoint dict seen through its string keys, for hooks (<c>CheckpointArgs</c>): reads and writes go to the
/// underlying <see cref="PyDict"/>, so a hook adding <c>ema_state_dict</c> changes what is saved.
/// </summary>
internal sealed class StringKeyView(PyDict dict) : IDictionary<string, object?>
{
    public object? this[string key] { get => dict[key]; set => dict[key] = value; }

    public ICollection<string> Keys => dict.Keys.OfType<string>().ToList();

    public ICollection<object?> Values => dict.Where(kv => kv.Key is string).Select(kv => kv.Value).ToList();

    public int Count => dict.Keys.Count(k => k is string);

    public bool IsReadOnly => false;

    public void Add(string key, object? value) => dict.Add(key, value);

    public void Add(KeyValuePair<string, object?> item) => dict.Add(item.Key, item.Value);

    public void Clear() => dict.Clear();

    public bool Contains(KeyValuePair<string, object?> item) => dict.TryGetValue(item.Key, out var v) && Equals(v, item.Value);

    public bool ContainsKey(string key) => dict.ContainsKey(key);

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        foreach (var kv in this) array[arrayIndex++] = kv;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        dict.Where(kv => kv.Key is string).Select(kv => new KeyValuePair<string, object?>((string)kv.Key, kv.Value)).GetEnumerator();

    public bool Remove(string key) => dict.Remove(key);

    public bool Remove(KeyValuePair<string, object?> item) => Contains(item) && dict.Remove(item.Key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => dict.TryGetValue(key, out value);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
