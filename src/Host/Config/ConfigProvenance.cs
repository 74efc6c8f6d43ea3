using System.Globalization;

namespace Kiln.Config;

/// <summary>
/// Where one config value was set: a file and line, a <c>--cfg-options</c> entry, or the host (a <c>_scope_</c> added
/// to an inherited dict); <see cref="Overrode"/> is the definition it replaced, newest first.
/// </summary>
public sealed class ConfigValueOrigin
{
    internal ConfigValueOrigin(string? file, int line, string? cfgOption, string? note, object? value, ConfigValueOrigin? overrode)
    {
        File = file;
        Line = line;
        CfgOption = cfgOption;
        Note = note;
        Value = value;
        Overrode = overrode;
    }

    /// <summary>The full path of the file that set the value; null for a <c>--cfg-options</c> entry.</summary>
    public string? File { get; }

    /// <summary>The 1-based line in <see cref="File"/>; 0 where the format gives no line (JSON).</summary>
    public int Line { get; }

    /// <summary>The <c>--cfg-options</c> entry (<c>key=value</c>) that set the value, or null.</summary>
    public string? CfgOption { get; }

    /// <summary>How the value got there when it is not a plain assignment (e.g. a <c>_scope_</c> added for a scoped base).</summary>
    public string? Note { get; }

    /// <summary>The value this definition set (for a dict, the dict as it is now, mutations included).</summary>
    public object? Value { get; }

    /// <summary>The earlier definition this one replaced or merged over, or null.</summary>
    public ConfigValueOrigin? Overrode { get; }

    /// <summary>This definition and every one it overrode, newest first.</summary>
    public IEnumerable<ConfigValueOrigin> Chain()
    {
        for (var o = this; o is not null; o = o.Overrode) yield return o;
    }

    /// <summary>A copy of this chain with <paramref name="older"/> appended after its last entry.</summary>
    internal ConfigValueOrigin Then(ConfigValueOrigin? older)
    {
        if (older is null) return this;
        return new ConfigValueOrigin(File, Line, CfgOption, Note, Value, Overrode is null ? older : Overrode.Then(older));
    }

    internal ConfigValueOrigin WithValue(object? value) => new(File, Line, CfgOption, Note, value, Overrode);

    /// <summary><c>file:line</c>, <c>file</c>, or <c>--cfg-options key=value</c>.</summary>
    public override string ToString() =>
        CfgOption is not null ? $"--cfg-options {CfgOption}"
        : File is null ? Note ?? "<code>"
        : Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}") : File;
}

/// <summary>The answer to "where did this key's value come from": its value, origin, and the key the origin belongs to.</summary>
/// <param name="KeyPath">The dotted key asked about.</param>
/// <param name="Value">Its value in the merged config.</param>
/// <param name="Origin">Where it was set, with the chain of definitions it overrode.</param>
/// <param name="SetWith">
/// The enclosing key whose origin is shown when the key was not set on its own (an element of a list, a key of a dict
/// built by a method call); null when <paramref name="Origin"/> is the key's own.
/// </param>
public sealed record ConfigExplanation(string KeyPath, object? Value, ConfigValueOrigin Origin, string? SetWith);

/// <summary>
/// Provenance of a config loaded with <see cref="ConfigLoadOptions.TrackProvenance"/>: for each dict key and list
/// index, where its value was set. Records hang off the value objects themselves, so a value shared between keys
/// (<c>test_dataloader = val_dataloader</c>) explains the same way under both.
/// </summary>
public sealed class ConfigProvenance
{
    private readonly ProvenanceTable _table;
    private readonly ConfigDict _root;

    internal ConfigProvenance(ProvenanceTable table, ConfigDict root)
    {
        _table = table;
        _root = root;
    }

    internal ProvenanceTable Table => _table;

    /// <summary>
    /// Where <paramref name="keyPath"/> (<c>model.backbone.depth</c>, <c>train_pipeline.0.type</c>) got its value;
    /// a key that does not exist is a <see cref="ConfigException"/> listing the keys that do.
    /// </summary>
    public ConfigExplanation Explain(string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        object? current = _root;
        ConfigValueOrigin? inherited = null;
        string? inheritedFrom = null;
        string walked = "";
        ConfigValueOrigin? own = null;
        foreach (string part in keyPath.Split('.'))
        {
            string here = walked.Length == 0 ? part : walked + "." + part;
            object? container = current;
            switch (current)
            {
                case ConfigDict d:
                    if (!d.TryGetValue(part, out current))
                        throw new ConfigException(
                            $"'{here}' is not in the config{(walked.Length == 0 ? "" : $" ('{walked}' has keys: {string.Join(", ", d.Keys)})")}{(walked.Length == 0 ? $" (keys: {string.Join(", ", d.Keys)})" : "")}");
                    break;
                case IReadOnlyList<object?> list when current is not string:
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= list.Count)
                        throw new ConfigException($"'{here}': '{walked}' is a list of {list.Count} item(s); index it with 0..{list.Count - 1}");
                    current = list[index];
                    break;
                }
                default:
                    throw new ConfigException($"'{here}': '{walked}' is {ConfigMerger.TypeName(current)} {ConfigFormatter.Format(current)}, which has no keys");
            }
            own = _table.Get(container!, part);
            if (own is not null)
            {
                inherited = own;
                inheritedFrom = here;
            }
            walked = here;
        }
        if (own is not null) return new ConfigExplanation(keyPath, current, own, null);
        if (inherited is null)
            return new ConfigExplanation(keyPath, current, new ConfigValueOrigin(null, 0, null, "set in code after loading", current, null), null);
        return new ConfigExplanation(keyPath, current, inherited, inheritedFrom);
    }
}

/// <summary>
/// Origins recorded while a config loads, keyed by the container object (dict, list, or an interpreter's globals)
/// and the key or index in it. Only exists when <see cref="ConfigLoadOptions.TrackProvenance"/> is set, so the
/// normal path pays a null check and nothing more.
/// </summary>
internal sealed class ProvenanceTable
{
    private readonly Dictionary<object, Dictionary<string, ConfigValueOrigin>> _records = new(ReferenceEqualityComparer.Instance);

    public ConfigValueOrigin? Get(object container, string key) =>
        _records.TryGetValue(container, out var keys) && keys.TryGetValue(key, out var o) ? o : null;

    /// <summary>Records that <paramref name="key"/> of <paramref name="container"/> was set here, over any earlier record.</summary>
    public void Set(object container, string key, string? file, int line, object? value, string? note = null)
    {
        var keys = Keys(container);
        keys.TryGetValue(key, out var previous);
        keys[key] = new ConfigValueOrigin(file, line, null, note, value, previous);
    }

    /// <summary>Puts <paramref name="origin"/> (a whole chain) at <paramref name="key"/>, replacing any record.</summary>
    public void Put(object container, string key, ConfigValueOrigin? origin)
    {
        if (origin is null) Remove(container, key);
        else Keys(container)[key] = origin;
    }

    public void Remove(object container, string key)
    {
        if (_records.TryGetValue(container, out var keys)) keys.Remove(key);
    }

    /// <summary>Copies the record of each of <paramref name="keys"/> from one container to another (a dict copied).</summary>
    public void Copy(object from, object to, IEnumerable<string>? keys = null)
    {
        if (!_records.TryGetValue(from, out var source)) return;
        var target = Keys(to);
        foreach (var (k, o) in source)
            if (keys is null || keys.Contains(k)) target[k] = o;
    }

    /// <summary>Records every key and index below <paramref name="value"/> that has no record yet as set at <paramref name="file"/>:<paramref name="line"/>.</summary>
    public void SetTree(object? value, string? file, int line, string? option = null)
    {
        switch (value)
        {
            case ConfigDict d:
                foreach (var (k, v) in d)
                {
                    if (Get(d, k) is null) Keys(d)[k] = new ConfigValueOrigin(file, line, option, null, v, null);
                    SetTree(v, file, line, option);
                }
                break;
            case IReadOnlyList<object?> list when value is not string:
                for (int i = 0; i < list.Count; i++) SetTree(list[i], file, line, option);
                break;
        }
    }

    private Dictionary<string, ConfigValueOrigin> Keys(object container)
    {
        if (!_records.TryGetValue(container, out var keys))
            _records[container] = keys = new Dictionary<string, ConfigValueOrigin>(StringComparer.Ordinal);
        return keys;
    }
}
