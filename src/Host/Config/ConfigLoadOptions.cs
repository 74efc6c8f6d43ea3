namespace Kiln.Config;

/// <summary>Options for <see cref="Config.FromFile"/>; the defaults match MMEngine's <c>Config.fromfile</c>.</summary>
public sealed class ConfigLoadOptions
{
    /// <summary>Default for <see cref="StepBudget"/>.</summary>
    public const long DefaultStepBudget = 10_000_000;

    /// <summary>
    /// Substitute <c>{{fileDirname}}</c>, <c>{{fileBasename}}</c>, <c>{{fileBasenameNoExtension}}</c> and
    /// <c>{{fileExtname}}</c> before parsing.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UsePredefinedVariables { get; init; } = true;

    /// <summary>Substitute <c>{{$VAR:default}}</c> before parsing.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseEnvironmentVariables { get; init; } = true;

    /// <summary>
    /// Reads an environment variable; null means unset. Tests pass a dictionary lookup so they never depend on
    /// the process environment.
    /// </summary>
    /// <value>The default value reads the process environment.</value>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Resolves <c>scope::path</c> bases; without one, such a base is an error.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IConfigScopeResolver? ScopeResolver { get; init; }

    /// <summary>
    /// The most evaluation steps one <c>.py</c> file may take, so that a config can never hang the host.
    /// </summary>
    /// <value>The default value is 10,000,000 steps.</value>
    public long StepBudget { get; init; } = DefaultStepBudget;

    /// <summary>Receives warnings such as MMEngine's <c>_deprecation_</c> notice; null drops them.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<string>? Warning { get; init; }

    /// <summary>
    /// Record where every value was set (file and line, the bases it overrode, the <c>--cfg-options</c> entry), read
    /// back with <see cref="Config.Provenance"/>. Off by default: the normal load path then records nothing.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool TrackProvenance { get; init; }
}
