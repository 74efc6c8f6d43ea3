namespace Kiln.Registry;

/// <summary>
/// Registers a class into a registry of its assembly's scope (MMEngine's <c>@MODELS.register_module()</c>).
/// The host finds these by scanning each plugin assembly when it loads.
/// </summary>
/// <example><code>[Register(Registries.Models)] public sealed class LeNet5 : BaseModel { ... }</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RegisterAttribute(string registry, string? name = null) : Attribute
{
    /// <summary>The registry, one of <see cref="Registries"/>.</summary>
    public string Registry { get; } = registry;

    /// <summary>The name configs use in <c>type=</c>; the class name when null.</summary>
    public string? Name { get; } = name;

    /// <summary>Replace an existing registration of the same name in the same scope instead of failing.</summary>
    public bool Force { get; init; }
}
