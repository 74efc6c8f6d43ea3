using System.Text.Json;
using System.Text.Json.Serialization;
using Kiln.Registry;

namespace Kiln.Visualization;

/// <summary>
/// MMEngine's <c>LocalVisBackend</c>: scalars as one JSON object per line in <c>save_dir/scalar_save_file</c>
/// (and in <c>file_path</c> when given, as the LoggerHook's <c>&lt;timestamp&gt;.json</c>), the config as
/// <c>save_dir/config_save_file</c>, images as <c>save_dir/img_save_dir/&lt;name&gt;_&lt;step&gt;.png</c>.
/// </summary>
[Register(Registries.VisBackends)]
public sealed class LocalVisBackend : VisBackend
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public LocalVisBackend(string? saveDir = null, string imgSaveDir = "vis_image", string configSaveFile = "config.py", string scalarSaveFile = "scalars.json")
        : base(saveDir)
    {
        if (!configSaveFile.EndsWith(".py", StringComparison.Ordinal))
            throw new KilnException($"LocalVisBackend.config_save_file = '{configSaveFile}' must end in .py (MMEngine asserts it).");
        if (!scalarSaveFile.EndsWith(".json", StringComparison.Ordinal))
            throw new KilnException($"LocalVisBackend.scalar_save_file = '{scalarSaveFile}' must end in .json (MMEngine asserts it).");
        ImgSaveDir = imgSaveDir;
        ConfigSaveFile = configSaveFile;
        ScalarSaveFile = scalarSaveFile;
    }

    public string ImgSaveDir { get; }

    public string ConfigSaveFile { get; }

    public string ScalarSaveFile { get; }

    private string Under(string name) => Path.Combine(SaveDir!, name);

    protected override void InitEnv() => Directory.CreateDirectory(SaveDir!);

    public override void AddConfig(string configText)
    {
        EnsureInit();
        File.WriteAllText(Under(ConfigSaveFile), configText);
    }

    public override void AddImage(string name, VisImage image, int step = 0)
    {
        EnsureInit();
        Directory.CreateDirectory(Under(ImgSaveDir));
        image.SavePng(Path.Combine(Under(ImgSaveDir), $"{name}_{step}.png"));
    }

    public override void AddScalar(string name, double value, int step = 0)
    {
        EnsureInit();
        Dump(new Dictionary<string, object> { [name] = value, ["step"] = step }, Under(ScalarSaveFile));
    }

    public override void AddScalars(IReadOnlyDictionary<string, object> scalars, int step = 0, string? filePath = null)
    {
        EnsureInit();
        var line = new Dictionary<string, object>(scalars);
        line.TryAdd("step", step);
        if (filePath is not null)
        {
            if (!filePath.EndsWith(".json", StringComparison.Ordinal))
                throw new KilnException($"LocalVisBackend.add_scalars file_path = '{filePath}' must end in .json.");
            if (filePath == ScalarSaveFile)
                throw new KilnException($"``file_path`` and ``scalar_save_file`` have the same name ('{filePath}'), please set ``file_path`` to another value.");
            Dump(line, Under(filePath));
        }
        Dump(line, Under(ScalarSaveFile));
    }

    // MMEngine opens and closes the file on every call; Kiln keeps each scalar file open (appending, flushed per line)
    // until Close, so a logged iteration costs no file opens (the hook-overhead benchmark measured ~25 µs of opens).
    private readonly Dictionary<string, StreamWriter> _writers = new(StringComparer.Ordinal);

    private void Dump(Dictionary<string, object> line, string path)
    {
        lock (_writers)
        {
            if (!_writers.TryGetValue(path, out var writer))
            {
                writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true, NewLine = "\n" };
                _writers[path] = writer;
            }
            writer.WriteLine(JsonSerializer.Serialize(line, Json));
        }
    }

    public override void Close()
    {
        lock (_writers)
        {
            foreach (var writer in _writers.Values) writer.Dispose();
            _writers.Clear();
        }
    }
}
