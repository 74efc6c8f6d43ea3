namespace Kiln.Registry;

/// <summary>
/// The default scope builds are redirected to (MMEngine's <c>DefaultScope</c>), as an ambient value that flows
/// with async calls instead of a global dict. <see cref="Overwrite"/> switches it for a subtree
/// (the <c>_scope_</c> key) and restores it on dispose.
/// </summary>
public static class DefaultScope
{
    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>The current default scope, or null when none is set.</summary>
    public static string? Name => Current.Value;

    /// <summary>Sets the default scope until the returned handle is disposed; null keeps the current one.</summary>
    public static IDisposable Overwrite(string? scope)
    {
        var previous = Current.Value;
        if (scope is not null) Current.Value = scope;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
