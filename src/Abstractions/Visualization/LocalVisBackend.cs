using System.Buffers;
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
    private readonly Dictionary<string, FileStream> _files = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private Utf8JsonWriter? _json;

    private void Dump(Dictionary<string, object> line, string path)
    {
        lock (_files)
        {
            if (!_files.TryGetValue(path, out var file))
            {
                file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                _files[path] = file;
            }
            _line.ResetWrittenCount();
            _json ??= new Utf8JsonWriter(_line);
            _json.Reset(_line);
            WriteLine(_json, line);
            _json.Flush();
            file.Write(_line.WrittenSpan);
            file.WriteByte((byte)'\n');
            file.Flush();
        }
    }

    /// <summary>
    /// One JSON object, as <c>JsonSerializer.Serialize</c> with named floating-point literals would write it, without
    /// the serializer's per-value type resolution: numbers, strings and booleans directly, anything else through the
    /// serializer.
    /// </summary>
    private static void WriteLine(Utf8JsonWriter writer, Dictionary<string, object> line)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in line)
        {
            writer.WritePropertyName(key);
            switch (value)
            {
                case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                case double d: writer.WriteStringValue(NamedLiteral(d)); break;
                case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
                case float f: writer.WriteStringValue(NamedLiteral(f)); break;
                case int i: writer.WriteNumberValue(i); break;
                case long l: writer.WriteNumberValue(l); break;
                case string text: writer.WriteStringValue(text); break;
                case bool b: writer.WriteBooleanValue(b); break;
                default: JsonSerializer.Serialize(writer, value, value?.GetType() ?? typeof(object), Json); break;
            }
        }
        writer.WriteEndObject();
    }

    private static string NamedLiteral(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    public override void Close()
    {
        lock (_files)
        {
            foreach (var file in _files.Values) file.Dispose();
            _files.Clear();
            _json?.Dispose();
            _json = null;
        }
    }
}
