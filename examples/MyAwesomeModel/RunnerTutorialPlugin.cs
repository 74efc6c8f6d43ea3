using Kiln.Registry;

// So `kiln train example_config.py --plugins <this program's build folder>` finds the tutorial's components too.
[assembly: KilnPlugin(Kiln.Examples.MyAwesomeModel.RunnerTutorialPlugin.ScopeName)]

namespace Kiln.Examples.MyAwesomeModel;

/// <summary>
/// The tutorial's <c>@MODELS.register_module()</c>, <c>@DATASETS…</c> and <c>@METRICS…</c>: Kiln registers a
/// program's components in a scope of their own, <c>runner_tutorial</c> (<c>default_scope</c> in example_config.py).
/// </summary>
public sealed class RunnerTutorialPlugin : IKilnPlugin
{
    public const string ScopeName = "runner_tutorial";

    public string Scope => ScopeName;
}
