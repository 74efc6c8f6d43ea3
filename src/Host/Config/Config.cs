using System.Globalization;

namespace Kiln.Config;

/// <summary>
/// MMEngine's <c>Config</c>: a config dict plus where it came from. Load one with <see cref="FromFile"/> from a
/// <c>.py</c> (a safe Python subset), <c>.json</c> or <c>.yaml</c>/<c>.yml</c> file.
/// </summary>
/// <remarks>
/// Values follow the value model of <see cref="ConfigDict"/>: dict → <see cref="ConfigDict"/>, list →
/// <see cref="List{T}"/> of object, tuple → object?[], int → long, float → double, str, bool, None → null.
/// </remarks>
public sealed class Config
{
    /// <summary>Keys a config may not define, because MMEngine's <c>Config</c> uses them as attributes.</summary>
    public static readonly IReadOnlyList<string> ReservedKeys = ["filename", "text", "pretty_text", "env_variables"];

    /// <summary>Wraps a dict built in code (MMEngine's <c>Config(dict(a=1, b=2))</c>).</summary>
    public Config(ConfigDict dict) : this(dict, null, "", new Dictionary<string, string>())
    {
    }

    private Config(ConfigDict dict, string? fileName, string text, IReadOnlyDictionary<string, string> environmentVariables)
    {
        ArgumentNullException.ThrowIfNull(dict);
        foreach (string key in ReservedKeys)
            if (dict.ContainsKey(key))
                throw new ConfigException($"{fileName ?? "<config>"}: '{key}' is reserved for config file; rename the key (reserved: {string.Join(", ", ReservedKeys)})")
                { FileName = fileName };
        Dict = dict;
        FileName = fileName;
        Text = text;
        EnvironmentVariables = environmentVariables;
    }

    /// <summary>The merged config values.</summary>
    public ConfigDict Dict { get; }

    /// <summary>The path the config was loaded from, as given; null for one built in code or from a string.</summary>
    public string? FileName { get; }

    /// <summary>MMEngine's <c>cfg_text</c>: for each file, bases first, its name, a newline and its original text.</summary>
    public string Text { get; }

    /// <summary>The environment variables that <c>{{$VAR:default}}</c> substitutions actually read.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; }

    /// <summary>Reads and resolves a config file (MMEngine's <c>Config.fromfile</c>).</summary>
    public static Config FromFile(string path, ConfigLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var loader = new ConfigFileLoader(Validate(options));
        var (dict, text) = loader.Load(path);
        return new Config(dict, path, text, loader.EnvironmentVariables) { Provenance = Track(loader, dict) };
    }

    /// <summary>
    /// Reads a config from text (MMEngine's <c>Config.fromstring</c>); <paramref name="extension"/> is
    /// <c>.py</c>, <c>.json</c>, <c>.yaml</c> or <c>.yml</c>. Relative <c>_base_</c> paths resolve from the current
    /// directory.
    /// </summary>
    public static Config FromString(string text, string extension, ConfigLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(extension);
        if (!extension.StartsWith('.')) extension = "." + extension;
        string virtualPath = Path.Combine(Directory.GetCurrentDirectory(), "<string>" + extension);
        ConfigFileLoader.CheckExtension(virtualPath);
        var loader = new ConfigFileLoader(Validate(options));
        var (dict, configText) = loader.Load(virtualPath, "<string>", text);
        return new Config(dict, null, configText, loader.EnvironmentVariables) { Provenance = Track(loader, dict) };
    }

    private static ConfigProvenance? Track(ConfigFileLoader loader, ConfigDict dict) =>
        loader.Provenance is { } table ? new ConfigProvenance(table, dict) : null;

    /// <summary>
    /// Where each value came from, when loaded with <see cref="ConfigLoadOptions.TrackProvenance"/>; null otherwise.
    /// <see cref="MergeFromDict"/> and <see cref="MergeCfgOptions"/> keep it up to date.
    /// </summary>
    public ConfigProvenance? Provenance { get; private init; }

    private static ConfigLoadOptions Validate(ConfigLoadOptions? options)
    {
        options ??= new ConfigLoadOptions();
        if (options.StepBudget <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.StepBudget, "ConfigLoadOptions.StepBudget must be positive.");
        ArgumentNullException.ThrowIfNull(options.GetEnvironmentVariable, "ConfigLoadOptions.GetEnvironmentVariable");
        return options;
    }

    /// <summary>Whether a top-level key exists; its value when it does.</summary>
    public bool TryGetValue(string key, out object? value) => Dict.TryGetValue(key, out value);

    /// <summary>A top-level value; a missing key is a <see cref="ConfigException"/> listing the keys that exist.</summary>
    public object? this[string key]
    {
        get => Dict.TryGetValue(key, out var value)
            ? value
            : throw new ConfigException($"'{key}' is not in the config{(FileName is null ? "" : $" {FileName}")} (keys: {string.Join(", ", Dict.Keys)})");
        set => Dict[key] = value;
    }

    /// <summary>Whether the config has a top-level <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => Dict.ContainsKey(key);

    /// <summary>
    /// A top-level value as <typeparamref name="T"/>, or <paramref name="defaultValue"/> when the key is absent.
    /// Integers convert to <see cref="int"/> and <see cref="double"/> as Python would let them be used.
    /// </summary>
    public T? Get<T>(string key, T? defaultValue = default)
    {
        if (!Dict.TryGetValue(key, out var value)) return defaultValue;
        return ConvertValue<T>(value, key);
    }

    private T? ConvertValue<T>(object? value, string key)
    {
        switch (value)
        {
            case null: return default;
            case T t: return t;
            case long l when typeof(T) == typeof(int) && l is >= int.MinValue and <= int.MaxValue: return (T)(object)(int)l;
            case long l when typeof(T) == typeof(double): return (T)(object)(double)l;
            case long l when typeof(T) == typeof(float): return (T)(object)(float)l;
            case double d when typeof(T) == typeof(float): return (T)(object)(float)d;
        }
        throw new ConfigException(
            $"config key '{key}'{(FileName is null ? "" : $" in {FileName}")} is {ConfigMerger.TypeName(value)} {ConfigFormatter.Format(value)}, not {typeof(T).Name}");
    }

    /// <summary>
    /// MMEngine's <c>merge_from_dict</c>: each dotted key (<c>'model.backbone.depth'</c>) becomes nested dicts and
    /// merges into the config; with <paramref name="allowListKeys"/>, digit parts index into lists
    /// (<c>'train_pipeline.0.type'</c>).
    /// </summary>
    public void MergeFromDict(IReadOnlyDictionary<string, object?> options, bool allowListKeys = true) =>
        MergeFromDict(options, allowListKeys, null);

    /// <summary>
    /// Parses <c>--cfg-options</c> entries (<c>key=value</c>, MMEngine's <c>DictAction</c>) and merges them as
    /// <see cref="MergeFromDict"/> does; with provenance tracked, each key records the entry as typed.
    /// </summary>
    public void MergeCfgOptions(IEnumerable<string> keyValues)
    {
        ArgumentNullException.ThrowIfNull(keyValues);
        var entries = keyValues.ToList();
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in entries)
        {
            int eq = kv.IndexOf('=');
            if (eq >= 0) raw[kv[..eq]] = kv;
        }
        MergeFromDict(CfgOptionsParser.Parse(entries), allowListKeys: true, raw);
    }

    private void MergeFromDict(IReadOnlyDictionary<string, object?> options, bool allowListKeys, Dictionary<string, string>? raw)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prov = Provenance?.Table;
        var tree = new ConfigDict();
        foreach (var (fullKey, value) in options)
        {
            var d = tree;
            var parts = fullKey.Split('.');
            foreach (var part in parts[..^1])
            {
                if (d.SetDefault(part, new ConfigDict()) is not ConfigDict next)
                    throw new ConfigException($"option '{fullKey}' conflicts with another option that sets '{part}' to a plain value");
                d = next;
            }
            d[parts[^1]] = value;
            prov?.Put(d, parts[^1], new ConfigValueOrigin(null, 0,
                raw is not null && raw.TryGetValue(fullKey, out var typed) ? typed : $"{fullKey}={ConfigFormatter.Format(value)}", null, value, null));
        }
        var merged = (ConfigDict)ConfigMerger.Merge(tree, Dict, allowListKeys, prov: prov);
        Dict.Clear();
        foreach (var (k, v) in merged) Dict[k] = v;
        prov?.Copy(merged, Dict);
    }

    /// <summary>MMEngine's <c>DictAction</c>: parses <c>key=value</c> pairs of <c>--cfg-options</c> into values.</summary>
    public static IReadOnlyDictionary<string, object?> ParseCfgOptions(IEnumerable<string> keyValues)
    {
        ArgumentNullException.ThrowIfNull(keyValues);
        return CfgOptionsParser.Parse(keyValues);
    }

    /// <summary>MMEngine's <c>pretty_text</c>: the config as a standalone <c>.py</c> file that loads back to the same dict.</summary>
    public string PrettyText => ConfigPrettyPrinter.Format(Dict);

    /// <summary>The config in the format of <paramref name="extension"/> (<c>.py</c>, <c>.json</c>, <c>.yaml</c>, <c>.yml</c>).</summary>
    public string DumpToString(string extension = ".py") => extension.ToLowerInvariant() switch
    {
        ".py" or "py" => PrettyText,
        ".json" or "json" => JsonConfigFormat.Write(Dict),
        ".yaml" or ".yml" or "yaml" or "yml" => YamlConfigFormat.Write(Dict),
        _ => throw new ConfigException($"cannot dump a config as '{extension}'; use .py, .json, .yaml or .yml"),
    };

    /// <summary>Writes the resolved config (bases merged, standalone) to <paramref name="path"/>, in the format its extension names.</summary>
    public void Dump(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text = DumpToString(Path.GetExtension(path));
        File.WriteAllText(path, text);
    }

    /// <summary>MMEngine's repr: <c>Config (path: x.py): {'a': 1}</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Config (path: {FileName ?? "None"}): {ConfigFormatter.Format(Dict)}");
}
