using Kiln.Config;

namespace Kiln.Registry;

/// <summary>Registers components into one plugin scope of the host's registries.</summary>
public interface IPluginRegistrar
{
    /// <summary>The scope registrations go to.</summary>
    string Scope { get; }

    /// <summary>Registers a class, built by binding config keys to its constructor.</summary>
    void Register(string registry, Type type, string? name = null, bool force = false);

    /// <summary>Registers a factory (MMEngine registers functions and partials the same way).</summary>
    void Register(string registry, string name, ComponentFactory factory, bool force = false);

    /// <summary>
    /// Registers a static method as a function (MMEngine's <c>FUNCTIONS.register_module()</c> on a function): building
    /// <c>dict(type=name, ...)</c> binds the keys to its parameters by name and calls it; a collate function is taken
    /// as a partial, its remaining parameters given per call. The method's name when <paramref name="name"/> is null.
    /// </summary>
    void RegisterFunction(string registry, System.Reflection.MethodInfo method, string? name = null, bool force = false);
}

/// <summary>Builds a component from its config (without <c>type</c> and <c>_scope_</c>).</summary>
public delegate object ComponentFactory(IComponentBuilder builder, ConfigDict args);
