using Kiln.Config.Python;

namespace Kiln.Config;

/// <summary>
/// MMEngine's <c>Config._file2dict</c> (internals §3.1): text substitutions, bases loaded and merged, the child
/// evaluated with <c>_base_</c> bound, placeholders replaced, and the child merged over its bases.
/// </summary>
internal sealed class ConfigFileLoader
{
    public const string BaseKey = "_base_";
    public const string DeprecationKey = "_deprecation_";

    private static readonly string[] Extensions = [".py", ".json", ".yaml", ".yml"];

    private readonly ConfigLoadOptions _options;
    private readonly Stack<string> _loading = new();

    public ConfigFileLoader(ConfigLoadOptions options)
    {
        _options = options;
        if (options.TrackProvenance) Provenance = new ProvenanceTable();
    }

    /// <summary>The origins recorded while loading; null unless <see cref="ConfigLoadOptions.TrackProvenance"/>.</summary>
    public ProvenanceTable? Provenance { get; }

    public Dictionary<string, string> EnvironmentVariables { get; } = new(StringComparer.Ordinal);

    public static void CheckExtension(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(ext))
            throw new ConfigException($"{path}: only py/yml/yaml/json type are supported now! (got '{ext}')") { FileName = path };
    }

    /// <summary>Loads <paramref name="path"/> and its bases; returns the merged dict and MMEngine's <c>cfg_text</c>.</summary>
    public (ConfigDict Dict, string Text) Load(string path, string? displayName = null, string? sourceText = null)
    {
        string full = Path.GetFullPath(path);
        CheckExtension(full);
        if (sourceText is null && !File.Exists(full))
            throw new ConfigException($"config file not found: '{path}' (looked at {full})") { FileName = path };
        if (_loading.Contains(full, StringComparer.Ordinal))
            throw new ConfigException($"circular _base_ inheritance: {string.Join(" -> ", _loading.Reverse().Append(full))}") { FileName = full };
        _loading.Push(full);
        try
        {
            return LoadCore(full, displayName ?? full, sourceText ?? File.ReadAllText(full));
        }
        finally
        {
            _loading.Pop();
        }
    }

    private (ConfigDict Dict, string Text) LoadCore(string full, string name, string original)
    {
        string ext = Path.GetExtension(full).ToLowerInvariant();
        string text = original;
        if (_options.UsePredefinedVariables) text = ConfigTextSubstitution.SubstitutePredefined(text, full);
        if (_options.UseEnvironmentVariables)
            text = ConfigTextSubstitution.SubstituteEnvironment(text, name, _options.GetEnvironmentVariable, EnvironmentVariables);
        var placeholders = new Dictionary<string, (string Path, int Line)>(StringComparer.Ordinal);
        text = ConfigTextSubstitution.PreSubstituteBaseVariables(text, placeholders);

        // Parse the child first: its _base_ list decides what to load, and syntax errors surface before bases run.
        try
        {
            return LoadText(full, name, original, text, ext, placeholders);
        }
        catch (ConfigException e) when (e.Line > 0 && e.FileName == name && e.SourceLine is null)
        {
            throw e.WithSource(text, original);
        }
    }

    private (ConfigDict Dict, string Text) LoadText(string full, string name, string original, string text, string ext, Dictionary<string, (string Path, int Line)> placeholders)
    {
        List<Stmt>? module = null;
        ConfigDict? data = null;
        object? baseSpec = null;
        int baseLine = 1;
        var prov = Provenance;
        if (ext == ".py")
        {
            module = Parser.ParseModule(text, name);
            var baseAssign = module.OfType<AssignStmt>()
                .FirstOrDefault(a => a.Targets.Count == 1 && a.Targets[0] is NameExpr { Name: BaseKey });
            if (baseAssign is not null)
            {
                baseLine = baseAssign.Line;
                baseSpec = PyInterpreter.EvalConstant(baseAssign.Value, name, _options.StepBudget);
            }
            // MMEngine's RemoveAssignFromAST: every `_base_ = ...` is dropped before the child runs.
            module = module.Where(s => !(s is AssignStmt a && a.Targets.Count == 1 && a.Targets[0] is NameExpr { Name: BaseKey })).ToList();
        }
        else
        {
            data = ext == ".json" ? JsonConfigFormat.Read(text, name) : YamlConfigFormat.Read(text, name, prov);
            if (prov is not null && ext == ".json") JsonConfigFormat.RecordLines(text, data, name, prov);
            prov?.SetTree(data, name, 0);
            data.TryGetValue(BaseKey, out baseSpec);
        }

        var bases = new ConfigDict();
        var keyOwner = new Dictionary<string, string>(StringComparer.Ordinal);
        var texts = new List<string>();
        foreach (string basePath in BaseList(baseSpec, name, baseLine))
        {
            var (resolved, scope) = ResolveBase(basePath, full, name, baseLine);
            if (_loading.Contains(resolved, StringComparer.Ordinal))
                throw new ConfigException(
                    $"{name}:{baseLine}: circular _base_ inheritance: {string.Join(" -> ", _loading.Reverse().Append(resolved))}")
                { FileName = name, Line = baseLine };
            var (baseDict, baseText) = Load(resolved);
            texts.Add(baseText);
            var duplicates = baseDict.Keys.Where(bases.ContainsKey).ToList();
            if (duplicates.Count > 0)
            {
                string owners = string.Join("; ", duplicates.Select(k => $"'{k}' in {keyOwner[k]} and {resolved}"));
                throw new ConfigException(
                    $"{name}:{baseLine}: Duplicate key is not allowed among bases. Duplicate keys: {{{string.Join(", ", duplicates.Select(k => $"'{k}'"))}}} ({owners})")
                { FileName = name, Line = baseLine };
            }
            ApplyScope(baseDict, scope, hasScope: true, prov, $"by the scoped base '{basePath}' ({name}:{baseLine})");
            foreach (var (k, v) in baseDict)
            {
                bases[k] = v;
                keyOwner[k] = resolved;
            }
            prov?.Copy(baseDict, bases);
        }

        ConfigDict child;
        if (module is not null)
        {
            var globals = new Dictionary<string, object?> { [BaseKey] = bases };
            var vars = PyInterpreter.Run(module, name, globals, _options.StepBudget, prov);
            child = new ConfigDict();
            prov?.Copy(vars, child);
            var expansion = new ConfigValues.Expansion();
            foreach (var (k, v) in vars)
            {
                if (k == BaseKey || k.StartsWith("__", StringComparison.Ordinal)) continue;
                // MMEngine drops functions and modules from the result; builtins bound to a name are the same kind of thing.
                if (v is PyBuiltin or PyMethod) continue;
                child[k] = ConfigValues.FromPython(v, $"{name}: variable '{k}'", expansion);
            }
        }
        else
        {
            child = data!;
        }

        if (child.TryGetValue(DeprecationKey, out var deprecation))
        {
            child.Remove(DeprecationKey);
            _options.Warning?.Invoke(DeprecationMessage(name, deprecation));
        }

        texts.Add(name + "\n" + original);
        if (placeholders.Count > 0)
            ConfigTextSubstitution.ReplacePlaceholders(child, placeholders, bases, name);
        child.Remove(BaseKey);
        ConfigDict merged;
        try
        {
            merged = (ConfigDict)ConfigMerger.Merge(child, bases, allowListKeys: false, prov: prov);
        }
        catch (ConfigException e) when (e.FileName is null)
        {
            // The merge rules know the key, not the file: name the child whose value could not be merged.
            throw new ConfigException($"{name}: {e.Message}", e) { FileName = name };
        }
        foreach (var key in merged.Keys.Where(k => k.StartsWith("__", StringComparison.Ordinal)).ToList()) merged.Remove(key);
        return (merged, string.Join("\n", texts));
    }

    private static string DeprecationMessage(string file, object? info)
    {
        var d = info as ConfigDict;
        string msg = $"The config file {file} will be deprecated in the future.";
        if (d?.Get("expected") is string expected) msg += $" Please use {expected} instead.";
        if (d?.Get("reference") is string reference) msg += $" More information can be found at {reference}";
        return msg;
    }

    private static IEnumerable<string> BaseList(object? spec, string name, int line) => spec switch
    {
        null => [],
        string s => [s],
        IEnumerable<object?> items => items.Select(i => i as string ?? throw new ConfigException(
            $"{name}:{line}: every _base_ entry must be a file path string, got {ConfigFormatter.Format(i)}") { FileName = name, Line = line }),
        _ => throw new ConfigException($"{name}:{line}: _base_ must be a path string or a list of them, got {ConfigFormatter.Format(spec)}") { FileName = name, Line = line },
    };

    /// <summary>MMEngine's <c>_get_cfg_path</c>: relative to the child's folder, or <c>scope::path</c> under a plugin's config root.</summary>
    private (string Path, string? Scope) ResolveBase(string basePath, string childFull, string name, int line)
    {
        if (basePath.Length == 0 || basePath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw new ConfigException($"{name}:{line}: base config path {ConfigFormatter.Format(basePath)} is empty or has characters a file path cannot hold")
            { FileName = name, Line = line };
        int sep = basePath.IndexOf("::", StringComparison.Ordinal);
        if (sep < 0)
        {
            string resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(childFull)!, basePath));
            if (!File.Exists(resolved))
                throw new ConfigException($"{name}:{line}: base config '{basePath}' not found (looked at {resolved})") { FileName = name, Line = line };
            return (resolved, null);
        }
        string scope = basePath[..sep];
        string rest = basePath[(sep + 2)..];
        var resolver = _options.ScopeResolver;
        if (scope.Length == 0 || !scope.All(c => char.IsLetterOrDigit(c) || c == '_') || rest.Contains("::", StringComparison.Ordinal))
            throw new ConfigException($"{name}:{line}: invalid scoped base '{basePath}'; expected 'scope::path/to/config.py'") { FileName = name, Line = line };
        string? root = resolver?.GetConfigRoot(scope);
        if (root is null)
        {
            string known = resolver is null || resolver.Scopes.Count == 0 ? "none" : string.Join(", ", resolver.Scopes.Order(StringComparer.Ordinal));
            throw new ConfigException($"{name}:{line}: unknown config scope '{scope}' in base '{basePath}' (known scopes: {known})") { FileName = name, Line = line };
        }
        string full = Path.GetFullPath(Path.Combine(root, rest));
        if (!File.Exists(full))
            throw new ConfigException($"{name}:{line}: base config '{basePath}' not found in scope '{scope}' (looked at {full})") { FileName = name, Line = line };
        return (full, scope);
    }

    /// <summary>
    /// MMEngine's <c>_dict_to_config_dict(cfg, scope)</c>: on each branch the outermost dict containing <c>type</c>
    /// gets <c>_scope_ = scope</c> unless it already has one; typed dicts nested below it are left alone, so they
    /// resolve relative to that scope when built.
    /// </summary>
    internal static void ApplyScope(object? value, string? scope, bool hasScope, ProvenanceTable? prov = null, string? note = null)
    {
        if (scope is null) return;
        switch (value)
        {
            case ConfigDict d:
                if (hasScope && d.ContainsKey("type"))
                {
                    hasScope = false;
                    if (d.Get("_scope_") is null)
                    {
                        d["_scope_"] = scope;
                        prov?.Set(d, "_scope_", null, 0, scope, note);
                    }
                }
                foreach (var v in d.Values.ToList()) ApplyScope(v, scope, hasScope, prov, note);
                break;
            case IEnumerable<object?> items when value is not string:
                foreach (var item in items) ApplyScope(item, scope, hasScope, prov, note);
                break;
        }
    }
}
