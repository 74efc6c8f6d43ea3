using System.Reflection;
using System.Text;
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

    private readonly List<Hook> _observers = [];

    /// <summary>
    /// Adds a hook that is called after the registered ones at every stage but is not one of the run's hooks: not in
    /// <see cref="Hooks"/>, <see cref="Entries"/> or the hooks-info block (the live progress bars).
    /// </summary>
    internal void AddObserver(Hook observer) => _observers.Add(observer);

    internal IReadOnlyList<Hook> Observers => _observers;

    /// <summary>Calls <paramref name="stage"/> on every hook in order, then on the observers.</summary>
    public void Call(Action<Hook> stage)
    {
        foreach (var (hook, _) in _hooks) stage(hook);
        foreach (var observer in _observers) stage(observer);
    }

    /// <summary>MMEngine's <c>Hook.stages</c>, each with the Kiln method that serves it and the shared method behind it.</summary>
    private static readonly (string Stage, string Method, string? Shared)[] Stages =
    [
        ("before_run", nameof(Hook.BeforeRun), null),
        ("after_load_checkpoint", nameof(Hook.AfterLoadCheckpoint), null),
        ("before_train", nameof(Hook.BeforeTrain), null),
        ("before_train_epoch", nameof(Hook.BeforeTrainEpoch), "BeforeEpoch"),
        ("before_train_iter", nameof(Hook.BeforeTrainIter), "BeforeIter"),
        ("after_train_iter", nameof(Hook.AfterTrainIter), "AfterIter"),
        ("after_train_epoch", nameof(Hook.AfterTrainEpoch), "AfterEpoch"),
        ("before_val", nameof(Hook.BeforeVal), null),
        ("before_val_epoch", nameof(Hook.BeforeValEpoch), "BeforeEpoch"),
        ("before_val_iter", nameof(Hook.BeforeValIter), "BeforeIter"),
        ("after_val_iter", nameof(Hook.AfterValIter), "AfterIter"),
        ("after_val_epoch", nameof(Hook.AfterValEpoch), "AfterEpoch"),
        ("after_val", nameof(Hook.AfterVal), null),
        ("before_save_checkpoint", nameof(Hook.BeforeSaveCheckpoint), null),
        ("after_train", nameof(Hook.AfterTrain), null),
        ("before_test", nameof(Hook.BeforeTest), null),
        ("before_test_epoch", nameof(Hook.BeforeTestEpoch), "BeforeEpoch"),
        ("before_test_iter", nameof(Hook.BeforeTestIter), "BeforeIter"),
        ("after_test_iter", nameof(Hook.AfterTestIter), "AfterIter"),
        ("after_test_epoch", nameof(Hook.AfterTestEpoch), "AfterEpoch"),
        ("after_test", nameof(Hook.AfterTest), null),
        ("after_run", nameof(Hook.AfterRun), null),
    ];

    /// <summary>
    /// MMEngine's <c>Runner.get_hooks_info</c>: for every stage some hook acts on, the hooks in call order as
    /// <c>(PRIORITY    ) ClassName</c> padded to 12 and 35 characters, each stage closed by <c> -------------------- </c>.
    /// A hook acts on a stage when it overrides that stage's method or the shared one behind it
    /// (<c>BeforeEpoch</c> serves the train, val and test epochs), as <c>get_triggered_stages</c>.
    /// </summary>
    public string GetHooksInfo()
    {
        var blocks = new List<string>();
        foreach (var (stage, method, shared) in Stages)
        {
            var lines = _hooks.Where(h => Overrides(h.Hook, method) || (shared is not null && Overrides(h.Hook, shared)))
                .Select(h => $"({HookPriority.NameOf(h.Priority),-12}) {h.Hook.GetType().Name,-35}")
                .ToList();
            if (lines.Count == 0) continue;
            var block = new StringBuilder().Append(stage).Append(":\n").AppendJoin('\n', lines).Append("\n -------------------- ");
            blocks.Add(block.ToString());
        }
        return string.Join('\n', blocks);
    }

    private static bool Overrides(Hook hook, string method) =>
        hook.GetType().GetMethod(method, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } m
        && m.DeclaringType != typeof(Hook);
}
