using Kiln.Hooks;

namespace Kiln.Loops;

/// <summary>
/// The Runner's hooks in call order: sorted by priority, ties in registration order (MMEngine's
/// <c>register_hook</c> inserts after the last hook whose priority is &lt;= its own).
/// </summary>
public sealed class HookList
{
    private readonly List<(Hook Hook, int Priority)> _hooks = [];

    public IReadOnlyList<Hook> Hooks => _hooks.Select(h => h.Hook).ToList();

    public IReadOnlyList<(Hook Hook, int Priority)> Entries => _hooks;

    public void Add(Hook hook, int? priority = null)
    {
        int p = priority ?? hook.Priority;
        int index = _hooks.FindLastIndex(h => h.Priority <= p) + 1;
        _hooks.Insert(index, (hook, p));
    }

    /// <summary>Calls <paramref name="stage"/> on every hook in order.</summary>
    public void Call(Action<Hook> stage)
    {
        foreach (var (hook, _) in _hooks) stage(hook);
    }
}
