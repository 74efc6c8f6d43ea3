using Kiln.Config;

namespace Kiln;

/// <summary>
/// What every Runner is built from: the merged config, the host's services, and the config file and text (for the
/// log, the work directory's copy and checkpoints). A plugin's Runner subclass takes this first in its constructor.
/// </summary>
public sealed record RunnerArgs(ConfigDict Cfg, IServiceProvider Services, string? ConfigPath, string ConfigText);
