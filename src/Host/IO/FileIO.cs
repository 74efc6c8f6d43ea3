using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kiln.Checkpoints;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static TorchSharp.torch;

namespace Kiln.IO;

/// <summary>
/// A file format for <see cref="FileIO.Load"/>/<see cref="FileIO.Dump(object?, string, string?)"/> (MMEngine's
/// <c>BaseFileHandler</c>, FIO-03). Values follow the checkpoint value model (<see cref="PyDict"/> for dicts,
/// <c>List&lt;object?&gt;</c>, <c>object?[]</c> for tuples, long, double, string, bool, null).
/// </summary>
public interface IFileHandler
{
    object? Load(Stream input, string source);

    void Dump(object? value, Stream output);
}

/// <summary>
/// MMEngine's <c>mmengine.fileio</c> (FIO-01..05): <see cref="Load"/> and <see cref="Dump(object?, string, string?)"/>
/// for json, yaml/yml and pickle/pkl chosen by extension or by <c>fileFormat</c>, more formats with
/// <see cref="RegisterHandler"/>; <see cref="ListFromFile"/> and <see cref="DictFromFile"/>; bytes and text through
/// the storage backend the path's prefix selects (<see cref="GetBackend"/>).
/// </summary>
public static partial class FileIO
{
    private static readonly ConcurrentDictionary<string, IFileHandler> Handlers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = new JsonHandler(),
        ["yaml"] = new YamlHandler(),
        ["yml"] = new YamlHandler(),
        ["pickle"] = new PickleHandler(),
        ["pkl"] = new PickleHandler(),
    };

    /// <summary>The backend for a path: by registered prefix (<c>http://</c>, <c>https://</c>, <c>file://</c>, …), else local disk.</summary>
    public static IStorageBackend GetBackend(string path) => StorageBackendRegistry.For(path);

    /// <summary>MMEngine's <c>register_backend(name, backend, force, prefixes)</c>: paths starting with <paramref name="prefix"/> (e.g. <c>s3://</c>) use <paramref name="backend"/>.</summary>
    public static void RegisterBackend(string prefix, IStorageBackend backend, bool force = false) =>
        StorageBackendRegistry.Register(prefix, backend, force);

    /// <summary>MMEngine's <c>register_handler(extensions)</c>: files with these extensions (without the dot) use <paramref name="handler"/>.</summary>
    public static void RegisterHandler(IFileHandler handler, params string[] extensions)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (extensions.Length == 0) throw new ArgumentException("give at least one extension", nameof(extensions));
        foreach (var ext in extensions) Handlers[ext.TrimStart('.')] = handler;
    }

    /// <summary>MMEngine's <c>get</c>: the bytes at a path or URL.</summary>
    public static byte[] Get(string path) => GetBackend(path).Get(path);

    /// <summary>MMEngine's <c>get_text</c>.</summary>
    public static string GetText(string path, Encoding? encoding = null) => (encoding ?? Encoding.UTF8).GetString(Get(path));

    /// <summary>MMEngine's <c>put</c> (local writes are atomic).</summary>
    public static void Put(ReadOnlySpan<byte> data, string path) => GetBackend(path).Put(path, data);

    /// <summary>MMEngine's <c>put_text</c>.</summary>
    public static void PutText(string text, string path, Encoding? encoding = null) => Put((encoding ?? Encoding.UTF8).GetBytes(text), path);

    /// <summary>MMEngine's <c>exists</c>.</summary>
    public static bool Exists(string path) => GetBackend(path).Exists(path);

    /// <summary>
    /// MMEngine's <c>load(file, file_format=None)</c>: the value in a json, yaml or pickle file (by extension, or
    /// <paramref name="fileFormat"/>).
    /// </summary>
    public static object? Load(string file, string? fileFormat = null)
    {
        var handler = HandlerFor(file, fileFormat);
        using var stream = new MemoryStream(Get(file), writable: false);
        return handler.Load(stream, file);
    }

    /// <summary>Loads from a stream; <paramref name="fileFormat"/> is required.</summary>
    public static object? Load(Stream input, string fileFormat) => HandlerFor(null, fileFormat).Load(input, $"<{fileFormat} stream>");

    /// <summary>MMEngine's <c>dump(obj, file, file_format=None)</c>: writes <paramref name="value"/> to a file (atomically on local disk).</summary>
    public static void Dump(object? value, string file, string? fileFormat = null)
    {
        var handler = HandlerFor(file, fileFormat);
        using var buffer = new MemoryStream();
        handler.Dump(value, buffer);
        Put(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), file);
    }

    /// <summary>MMEngine's <c>dump(obj, file_format=...)</c> without a file: the text of a json or yaml dump.</summary>
    public static string DumpToString(object? value, string fileFormat)
    {
        var handler = HandlerFor(null, fileFormat);
        if (handler is PickleHandler) throw new KilnException("pickle is a binary format; use Dump with a file or a stream.");
        using var buffer = new MemoryStream();
        handler.Dump(value, buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// MMEngine's <c>list_from_file(filename, prefix='', offset=0, max_num=0)</c>: one item per line (line ends
    /// removed), <paramref name="prefix"/> prepended, the first <paramref name="offset"/> lines skipped, at most
    /// <paramref name="maxNum"/> items (0: all).
    /// </summary>
    public static List<string> ListFromFile(string filename, string prefix = "", int offset = 0, int maxNum = 0, Encoding? encoding = null)
    {
        var items = new List<string>();
        using var reader = new StringReader(GetText(filename, encoding));
        for (int i = 0; i < offset; i++) reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            if (maxNum > 0 && items.Count >= maxNum) break;
            items.Add(prefix + line);
        }

        return items;
    }

    /// <summary>
    /// MMEngine's <c>dict_from_file(filename, key_type=str)</c>: per line, the first whitespace-separated token is
    /// the key and the rest the value (a string when one token follows, else a <c>string[]</c>).
    /// </summary>
    /// <exception cref="KilnException">A line has fewer than two tokens; the message names the file and line.</exception>
    public static Dictionary<TKey, object> DictFromFile<TKey>(string filename, Func<string, TKey> keyType, Encoding? encoding = null)
        where TKey : notnull
    {
        var mapping = new Dictionary<TKey, object>();
        using var reader = new StringReader(GetText(filename, encoding));
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            var items = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (items.Length < 2)
                throw new KilnException($"{filename}:{lineNo}: '{line}' needs a key and at least one value separated by whitespace.");
            TKey key;
            try
            {
                key = keyType(items[0]);
            }
            catch (FormatException e)
            {
                throw new KilnException($"{filename}:{lineNo}: key '{items[0]}' cannot be converted ({e.Message}).", e);
            }

            mapping[key] = items.Length > 2 ? items[1..] : items[1];
        }

        return mapping;
    }

    /// <summary><see cref="DictFromFile{TKey}"/> with string keys (MMEngine's default <c>key_type=str</c>).</summary>
    public static Dictionary<string, object> DictFromFile(string filename, Encoding? encoding = null) => DictFromFile(filename, k => k, encoding);

    private static IFileHandler HandlerFor(string? file, string? fileFormat)
    {
        string? format = fileFormat;
        if (format is null && file is not null)
        {
            string name = file;
            int query = name.IndexOfAny(['?', '#']);
            if (query >= 0 && name.Contains("://", StringComparison.Ordinal)) name = name[..query];
            string ext = Path.GetExtension(name);
            format = ext.TrimStart('.');
        }

        if (string.IsNullOrEmpty(format))
            throw new KilnException($"cannot tell the format of '{file}': give file_format ({string.Join(", ", Handlers.Keys.Order())}).");
        return Handlers.TryGetValue(format, out var handler) ? handler
            : throw new KilnException($"unsupported file format '{format}'{(file is null ? "" : $" (of {file})")}; supported: {string.Join(", ", Handlers.Keys.Order())}.");
    }

    private sealed class JsonHandler : IFileHandler
    {
        public object? Load(Stream input, string source)
        {
            try
            {
                using var doc = JsonDocument.Parse(input, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 512 });
                return FromJson(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new KilnException($"{source}: invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
            }
        }

        public void Dump(object? value, Stream output)
        {
            using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
            Write(writer, value, "");
        }

        private static object? FromJson(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => ToDict(e),
            JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

        private static PyDict ToDict(JsonElement e)
        {
            var d = new PyDict();
            foreach (var p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value);
            return d;
        }

        private static void Write(Utf8JsonWriter w, object? value, string path)
        {
            switch (value)
            {
                case null: w.WriteNullValue(); break;
                case string s: w.WriteStringValue(s); break;
                case bool b: w.WriteBooleanValue(b); break;
                case long or int or short or sbyte or byte or ushort or uint: w.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
                case ulong u: w.WriteNumberValue(u); break;
                case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
                case float f when float.IsFinite(f): w.WriteNumberValue(f); break;
                case double or float: w.WriteRawValue(Convert.ToDouble(value, CultureInfo.InvariantCulture) switch { double.NaN => "NaN", > 0 => "Infinity", _ => "-Infinity" }, skipInputValidation: true); break;
                case IDictionary dict:
                    w.WriteStartObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        w.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "null");
                        Write(w, entry.Value, $"{path}.{entry.Key}");
                    }

                    w.WriteEndObject();
                    break;
                case IEnumerable list when value is not Tensor:
                    w.WriteStartArray();
                    int i = 0;
                    foreach (var item in list) Write(w, item, $"{path}[{i++}]");
                    w.WriteEndArray();
                    break;
                default:
                    throw new KilnException($"cannot write {value.GetType().Name} at '{path}' as JSON; JSON holds dicts, lists, strings, numbers, bools and None.");
            }
        }
    }

    private sealed partial class YamlHandler : IFileHandler
    {
        [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
        private static partial Regex IntPattern();

        [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")]
        private static partial Regex FloatPattern();

        public object? Load(Stream input, string source)
        {
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(input, Encoding.UTF8);
                stream.Load(reader);
            }
            catch (YamlException e)
            {
                throw new KilnException($"{source}:{e.Start.Line}: invalid YAML: {e.InnerException?.Message ?? e.Message}", e);
            }

            return stream.Documents.Count == 0 ? null : FromNode(stream.Documents[0].RootNode);
        }

        public void Dump(object? value, Stream output)
        {
            var sb = new StringBuilder();
            Write(sb, value, 0, "");
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            output.Write(bytes);
        }

        private static object? FromNode(YamlNode node) => node switch
        {
            YamlMappingNode m => m.Children.Aggregate(new PyDict(), (d, kv) => { d[FromNode(kv.Key) ?? "null"] = FromNode(kv.Value); return d; }),
            YamlSequenceNode s => s.Children.Select(FromNode).ToList(),
            YamlScalarNode sc => Scalar(sc),
            _ => null,
        };

        // PyYAML SafeLoader's resolution of plain scalars (the common cases).
        private static object? Scalar(YamlScalarNode node)
        {
            string v = node.Value ?? "";
            if (node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded) return v;
            switch (v)
            {
                case "" or "~" or "null" or "Null" or "NULL": return null;
                case "true" or "True" or "TRUE" or "yes" or "Yes" or "on" or "On": return true;
                case "false" or "False" or "FALSE" or "no" or "No" or "off" or "Off": return false;
                case ".inf" or "+.inf" or ".Inf": return double.PositiveInfinity;
                case "-.inf" or "-.Inf": return double.NegativeInfinity;
                case ".nan" or ".NaN": return double.NaN;
            }

            if (IntPattern().IsMatch(v)) return long.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            if (FloatPattern().IsMatch(v) && v != ".") return double.Parse(v.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            return v;
        }

        private static void Write(StringBuilder sb, object? value, int indent, string path)
        {
            string pad = new(' ', indent);
            switch (value)
            {
                case IDictionary dict when dict.Count > 0:
                    foreach (DictionaryEntry e in dict)
                    {
                        sb.Append(pad).Append(ScalarText(e.Key, path)).Append(':');
                        WriteChild(sb, e.Value, indent, $"{path}.{e.Key}");
                    }

                    break;
                case IList list when list.Count > 0 && value is not byte[]:
                    for (int i = 0; i < list.Count; i++)
                    {
                        sb.Append(pad).Append('-');
                        WriteChild(sb, list[i], indent, $"{path}[{i}]");
                    }

                    break;
                default:
                    sb.Append(pad).Append(ScalarText(value, path)).Append('\n');
                    break;
            }
        }

        private static void WriteChild(StringBuilder sb, object? value, int indent, string path)
        {
            if (value is IDictionary { Count: > 0 } || (value is IList { Count: > 0 } && value is not byte[]))
            {
                sb.Append('\n');
                Write(sb, value, indent + 2, path);
            }
            else
            {
                sb.Append(' ').Append(ScalarText(value, path)).Append('\n');
            }
        }

        private static string ScalarText(object? value, string path) => value switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            long or int or short or sbyte or byte or ushort or uint or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            double or float => Convert.ToDouble(value, CultureInfo.InvariantCulture) switch
            {
                double.NaN => ".nan",
                double.PositiveInfinity => ".inf",
                double.NegativeInfinity => "-.inf",
                var d when d == Math.Floor(d) && Math.Abs(d) < 1e16 => d.ToString("0.0", CultureInfo.InvariantCulture),
                var d => d.ToString("R", CultureInfo.InvariantCulture) is var r && r.Contains('E') && !r.Contains('.') ? r.Replace("E", ".0e", StringComparison.Ordinal) : d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal),
            },
            string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            IDictionary => "{}",
            IList => "[]",
            _ => throw new KilnException($"cannot write {value.GetType().Name} at '{path}' as YAML; YAML holds dicts, lists, strings, numbers, bools and None."),
        };
    }

    private sealed class PickleHandler : IFileHandler
    {
        public object? Load(Stream input, string source) =>
            new PickleReader(input, source, s => throw new KilnException(
                $"{source}: the pickle holds a tensor storage ('{s.Key}'), which only torch.save zip files carry; load it with CheckpointFile.Load.")).Read();

        public void Dump(object? value, Stream output) =>
            new PickleWriter(output, _ => throw new KilnException(
                "a plain pickle cannot hold tensors; save tensors with CheckpointFile.Save (PyTorch's zip format).")).Write(value);
    }
}
