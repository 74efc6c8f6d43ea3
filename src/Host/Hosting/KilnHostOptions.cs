using Kiln.Registry;

namespace Kiln.Hosting;

/// <summary>Where the host finds plugins.</summary>
public sealed class KilnHostOptions
{
    /// <summary>Extra plugin folders (<c>--plugins DIR</c>), searched after <c>plugins/</c> and <c>KILN_PLUGINS</c>.</summary>
    public List<string> PluginRoots { get; } = [];

    /// <summary>Whether to load plugin folders at all (tests that register plugins in-process turn it off).</summary>
    public bool LoadPluginFolders { get; set; } = true;

    /// <summary>
    /// <c>--strict-plugins</c>: a plugin that would be skipped (incompatible API, missing dependency, taken scope, a
    /// throw while loading or registering) stops the host with an error listing every such plugin instead.
    /// </summary>
    public bool StrictPlugins { get; set; }

    /// <summary>Plugins already loaded in this process (tests, embedding applications), registered as folder plugins are.</summary>
    public List<IKilnPlugin> InProcessPlugins { get; } = [];
}
