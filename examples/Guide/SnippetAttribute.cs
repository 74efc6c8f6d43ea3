namespace Kiln.Guide;

/// <summary>
/// Marks a method whose body holds the guide region <see cref="Name"/> (<c>#region guide:NAME</c>). The guide tests run
/// every such method in a fresh temporary working directory (with <c>examples/Guide/configs</c> copied into it) and
/// compare what it prints with the doc's <c>&lt;!-- output: NAME --&gt;</c> block.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SnippetAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
