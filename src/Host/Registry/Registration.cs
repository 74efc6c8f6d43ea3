using System.Reflection;

namespace Kiln.Registry;

/// <summary>One registered component: a class bound from config, a factory, or a static method (a function).</summary>
public sealed record Registration(string Name, string Scope, string Registry, Type? Type, ComponentFactory? Factory, MethodInfo? Method = null)
{
    /// <summary>Where the component comes from, for error messages.</summary>
    public string Origin =>
        Type is not null ? $"{Type.FullName} ({Type.Assembly.GetName().Name})"
        : Method is not null ? $"function {Method.DeclaringType?.FullName}.{Method.Name} ({Method.Module.Assembly.GetName().Name})"
        : $"factory '{Name}'";
}
