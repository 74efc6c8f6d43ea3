using System.Reflection;

namespace Kiln.Registry;

/// <summary>
/// The host's root registries (all 23 of <see cref="Registries.All"/>) in scope <see cref="RootScope"/>, with one
/// child per plugin scope in every one of them, as MMEngine's downstream repos create one child per root registry.
/// </summary>
public sealed class RegistryTree
{
    /// <summary>The root scope. It is MMEngine's, so <c>default_scope='mmengine'</c> and <c>mmengine.X</c> keep working.</summary>
    public const string RootScope = "mmengine";

    private readonly Dictionary<string, Registry> _roots;

    public RegistryTree()
    {
        _roots = Registries.All.ToDictionary(n => n, n => new Registry(n, RootScope, null), StringComparer.Ordinal);
    }

    /// <summary>The root registry called <paramref name="name"/>.</summary>
    public Registry this[string name] => _roots.TryGetValue(name, out var r)
        ? r
        : throw new KilnException($"there is no '{name}' registry; registries: {string.Join(", ", Registries.All)}.");

    /// <summary>Scopes in the tree: the root scope first, then plugin scopes in the order they were added.</summary>
    public IReadOnlyList<string> Scopes => [RootScope, .. _roots[Registries.Models].Children.Keys];

    /// <summary>Adds a child registry with <paramref name="scope"/> under every root; returns a registrar for it.</summary>
    public IPluginRegistrar AddScope(string scope)
    {
        if (scope == RootScope || _roots[Registries.Models].Children.ContainsKey(scope))
            throw new KilnException($"scope '{scope}' is already taken (scopes: {string.Join(", ", Scopes)}); each plugin needs its own scope.");
        foreach (var root in _roots.Values) _ = new Registry(root.Name, scope, root);
        return new Registrar(this, scope);
    }

    /// <summary>Removes <paramref name="scope"/> and everything registered in it (a plugin that failed half way).</summary>
    public void RemoveScope(string scope)
    {
        foreach (var root in _roots.Values) root.RemoveChild(scope);
    }

    /// <summary>A registrar for the root scope, where the host's own components go.</summary>
    public IPluginRegistrar RootRegistrar() => new Registrar(this, RootScope);

    /// <summary>The node of <paramref name="registry"/> for <paramref name="scope"/>.</summary>
    public Registry Node(string registry, string scope) =>
        this[registry].SearchChild(scope) ?? throw new KilnException($"scope '{scope}' is not loaded; scopes: {string.Join(", ", Scopes)}.");

    /// <summary>How many components are registered under <paramref name="scope"/> across all registries.</summary>
    public int CountComponents(string scope) => _roots.Values.Sum(r => r.SearchChild(scope)?.Modules.Count ?? 0);

    /// <summary>Registers every static method of <paramref name="assembly"/> that carries <see cref="RegisterAttribute"/> as a function.</summary>
    public static int RegisterAttributedMethods(IPluginRegistrar registrar, Assembly assembly)
    {
        int count = 0;
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.OfType<Type>().ToArray(); }
        // Static methods of ordinary classes only (compiler-generated closures hold no registrations); IsDefined is
        // checked before reading attributes, since this scan runs over the host assembly at every start.
        const BindingFlags statics = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types)
        {
            if (!type.IsClass || type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)) continue;
            foreach (var method in type.GetMethods(statics))
            {
                if (!method.IsDefined(typeof(RegisterAttribute), false)) continue;
                foreach (var attribute in method.GetCustomAttributes<RegisterAttribute>(inherit: false))
                {
                    registrar.RegisterFunction(attribute.Registry, method, attribute.Name, attribute.Force);
                    count++;
                }
            }
        }
        return count;
    }

    /// <summary>Registers every class in <paramref name="types"/> that carries <see cref="RegisterAttribute"/>.</summary>
    public static int RegisterAttributed(IPluginRegistrar registrar, IEnumerable<Type> types)
    {
        int count = 0;
        foreach (var type in types)
            foreach (var attribute in type.GetCustomAttributes<RegisterAttribute>(inherit: false))
            {
                registrar.Register(attribute.Registry, type, attribute.Name, attribute.Force);
                count++;
            }
        return count;
    }

    private sealed class Registrar(RegistryTree tree, string scope) : IPluginRegistrar
    {
        public string Scope => scope;

        public void Register(string registry, Type type, string? name = null, bool force = false)
        {
            if (type.IsAbstract || type.IsInterface)
                throw new KilnException($"{type.FullName} is abstract and cannot be registered in the {registry} registry.");
            tree.Node(registry, scope).Add(new Registration(name ?? type.Name, scope, registry, type, null), force);
        }

        public void Register(string registry, string name, ComponentFactory factory, bool force = false) =>
            tree.Node(registry, scope).Add(new Registration(name, scope, registry, null, factory), force);

        public void RegisterFunction(string registry, MethodInfo method, string? name = null, bool force = false)
        {
            string where = $"{method.DeclaringType?.FullName}.{method.Name}";
            if (!method.IsStatic)
                throw new KilnException($"{where} is an instance method; only static methods can be registered as functions in the {registry} registry.");
            if (method.ContainsGenericParameters)
                throw new KilnException($"{where} is generic; register a closed method as a function in the {registry} registry.");
            if (method.ReturnType == typeof(void))
                throw new KilnException($"{where} returns nothing; a function registered in the {registry} registry must return what it builds.");
            tree.Node(registry, scope).Add(new Registration(name ?? method.Name, scope, registry, null, null, method), force);
        }
    }
}
