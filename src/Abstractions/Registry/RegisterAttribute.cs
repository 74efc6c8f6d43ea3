namespace Kiln.Registry;

/// <summary>
/// Registers a class, or a static method as a function, into a registry of its assembly's scope (MMEngine's
/// <c>@MODELS.register_module()</c> on a class or a function). The host finds these by scanning each plugin assembly
/// when it loads. A function's config keys bind to its parameters by name, as a constructor's do.
/// </summary>
/// <example><code>
/// [Register(Registries.Models)] public sealed class LeNet5 : BaseModel { ... }
/// [Register(Registries.Functions, "pseudo_collate")] public static DataBatch PseudoCollate(IReadOnlyList&lt;Sample&gt; dataBatch) { ... }
/// </code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class RegisterAttribute(string registry, string? name = null) : Attribute
{
    /// <summary>The registry, one of <see cref="Registries"/>.</summary>
    public string Registry { get; } = registry;

    /// <summary>The name configs use in <c>type=</c>; the class or method name when null.</summary>
    public string? Name { get; } = name;

    /// <summary>Replace an existing registration of the same name in the same scope instead of failing.</summary>
    public bool Force { get; init; }
}
