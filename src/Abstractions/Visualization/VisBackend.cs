namespace Kiln.Visualization;

/// <summary>
/// MMEngine's <c>BaseVisBackend</c>: where a <see cref="Visualizer"/>'s <c>add_*</c> calls are stored. A backend
/// sets itself up on first use (MMEngine's <c>force_init_env</c>), so building one writes nothing. Subclasses
/// registered in the <c>vis_backend</c> registry are built from <c>visualizer.vis_backends</c>.
/// </summary>
public abstract class VisBackend : IDisposable
{
    private bool _initialized;

    /// <param name="saveDir">Where the backend writes; null until the <see cref="Visualizer"/> gives its
    /// <c>save_dir/vis_data</c> (MMEngine's <c>vis_backend.setdefault('save_dir', save_dir)</c>).</param>
    protected VisBackend(string? saveDir = null) => SaveDir = saveDir;

    public string? SaveDir { get; private set; }

    /// <summary>Sets <see cref="SaveDir"/> when the backend's config did not; called by the <see cref="Visualizer"/>.</summary>
    public void SetDefaultSaveDir(string? saveDir)
    {
        if (SaveDir is null && !_initialized) SaveDir = saveDir;
    }

    /// <summary>True when the backend needs a save directory (MMEngine skips such a backend, with a warning, when there is none).</summary>
    public virtual bool NeedsSaveDir => true;

    /// <summary>MMEngine's <c>_init_env</c>: prepares the save directory and any writer, once.</summary>
    protected abstract void InitEnv();

    /// <summary>Runs <see cref="InitEnv"/> the first time any <c>add_*</c> method is called.</summary>
    protected void EnsureInit()
    {
        if (_initialized) return;
        if (NeedsSaveDir && SaveDir is null)
            throw new KilnException($"{GetType().Name} has no save_dir; give the visualizer a save_dir or the backend dict save_dir=....");
        InitEnv();
        _initialized = true;
    }

    /// <summary>Records the config (its Python text, as MMEngine's <c>Config.pretty_text</c>).</summary>
    public virtual void AddConfig(string configText) { }

    /// <summary>Records an RGB image.</summary>
    public virtual void AddImage(string name, VisImage image, int step = 0) { }

    /// <summary>Records one scalar.</summary>
    public virtual void AddScalar(string name, double value, int step = 0) { }

    /// <summary>
    /// Records several scalars at one step; <paramref name="filePath"/> (a <c>.json</c> name under the save directory)
    /// also receives them where the backend writes files.
    /// </summary>
    public virtual void AddScalars(IReadOnlyDictionary<string, object> scalars, int step = 0, string? filePath = null) { }

    /// <summary>Closes what the backend opened.</summary>
    public virtual void Close() { }

    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }
}
