namespace Kiln.Config;

/// <summary>
/// Maps a scope (a plugin name such as <c>vision</c>) to the folder that holds its configs, so a config can
/// inherit <c>_base_ = ['vision::_base_/models/lenet5.py']</c> (MMEngine's <c>pkg::path</c> bases).
/// </summary>
/// <remarks>The host implements this from the loaded plugins: each plugin's <c>configs/</c> folder.</remarks>
public interface IConfigScopeResolver
{
    /// <summary>The config root folder of <paramref name="scope"/>, or null when no such scope is known.</summary>
    string? GetConfigRoot(string scope);

    /// <summary>The known scopes, listed in the error for an unknown one.</summary>
    IReadOnlyCollection<string> Scopes { get; }
}
