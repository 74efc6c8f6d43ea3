namespace Kiln.Registry;

/// <summary>
/// One node of a registry tree (MMEngine's <c>Registry</c>): a name → component table for one scope, with a
/// parent (the root registry) and children keyed by scope. Lookup follows <c>registry.py:get</c> exactly:
/// an unscoped key searches this node then its ancestors; <c>scope.Key</c> dispatches to that scope's child, or
/// re-dispatches from the root when the scope is a root child; a key is split on the first dot only.
/// </summary>
public sealed class Registry
{
    private readonly Dictionary<string, Registration> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Registry> _children = new(StringComparer.Ordinal);

    internal Registry(string name, string scope, Registry? parent)
    {
        Name = name;
        Scope = scope;
        Parent = parent;
        if (parent is not null)
        {
            if (parent._children.ContainsKey(scope))
                throw new KilnException($"scope '{scope}' already exists in the '{name}' registry; each plugin needs its own scope.");
            parent._children.Add(scope, this);
        }
    }

    /// <summary>The registry's name (<see cref="Registries"/>).</summary>
    public string Name { get; }

    public string Scope { get; }

    public Registry? Parent { get; }

    public IReadOnlyDictionary<string, Registry> Children => _children;

    /// <summary>This node's own registrations (not its ancestors').</summary>
    public IReadOnlyDictionary<string, Registration> Modules => _modules;

    public Registry Root => Parent is null ? this : Parent.Root;

    internal void Add(Registration registration, bool force)
    {
        if (!force && _modules.TryGetValue(registration.Name, out var existing) && existing != registration)
            throw new KilnException(
                $"'{registration.Name}' is already registered in the {Scope}::{Name} registry by {existing.Origin}; " +
                $"{registration.Origin} cannot take the same name. Rename one, or register with force=true to replace it.");
        _modules[registration.Name] = registration;
    }

    internal void RemoveChild(string scope) => _children.Remove(scope);

    /// <summary>Resolves <paramref name="key"/> (MMEngine's <c>Registry.get</c>); null when nothing matches.</summary>
    public Registration? Get(string key)
    {
        var (scope, realKey) = SplitScopeKey(key);
        if (scope is null || scope == Scope)
        {
            if (_modules.TryGetValue(realKey, out var own)) return own;
            if (scope is not null) return null;
            for (var p = Parent; p is not null; p = p.Parent)
                if (p._modules.TryGetValue(realKey, out var inherited)) return inherited;
            return null;
        }
        if (_children.TryGetValue(scope, out var child)) return child.Get(realKey);
        var root = Root;
        return root != this && (scope == root.Scope || root._children.ContainsKey(scope)) ? root.Get(key) : null;
    }

    /// <summary>The node with <paramref name="scope"/> in this subtree, depth first, this node included.</summary>
    public Registry? SearchChild(string scope)
    {
        if (Scope == scope) return this;
        foreach (var child in _children.Values)
            if (child.SearchChild(scope) is { } hit) return hit;
        return null;
    }

    /// <summary>
    /// Every name a lookup from this node could resolve: own and ancestors' bare, other scopes qualified with the
    /// scope path <see cref="Get"/> follows to them (<c>samoyed.little_samoyed.X</c> from the root, not
    /// <c>little_samoyed.X</c>, which only the root's direct children resolve).
    /// </summary>
    public IEnumerable<string> VisibleNames()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var node = this; node is not null; node = node.Parent)
            foreach (var name in node._modules.Keys)
                if (seen.Add(name)) yield return name;
        foreach (var node in Walk(Root))
            if (node != this && node.Parent is not null)
            {
                string prefix = ScopePathTo(node);
                foreach (var name in node._modules.Keys)
                    if (seen.Add($"{prefix}.{name}")) yield return $"{prefix}.{name}";
            }
    }

    /// <summary>The dotted scopes from this node's child down to <paramref name="node"/> when it is below this node, else from the root's child.</summary>
    private string ScopePathTo(Registry node)
    {
        var scopes = new List<string>();
        for (var n = node; n != this && n.Parent is not null; n = n.Parent) scopes.Add(n.Scope);
        scopes.Reverse();
        return string.Join('.', scopes);
    }

    private static IEnumerable<Registry> Walk(Registry node)
    {
        yield return node;
        foreach (var child in node._children.Values)
            foreach (var d in Walk(child)) yield return d;
    }

    /// <summary>Splits on the first dot: <c>hound.little_hound.X</c> → (<c>hound</c>, <c>little_hound.X</c>).</summary>
    public static (string? Scope, string Key) SplitScopeKey(string key)
    {
        int dot = key.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? (null, key) : (key[..dot], key[(dot + 1)..]);
    }

    public override string ToString() => $"{Scope}::{Name} ({_modules.Count} components)";
}
