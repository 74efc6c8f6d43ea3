namespace Kiln.Registry;

/// <summary>One registered component: a class bound from config, or a factory.</summary>
public sealed record Registration(string Name, string Scope, string Registry, Type? Type, ComponentFactory? Factory)
{
    /// <summary>Where the component comes from, for error messages.</summary>
    public string Origin => Type is not null ? $"{Type.FullName} ({Type.Assembly.GetName().Name})" : $"factory '{Name}'";
}
