using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kiln.Config;

/// <summary>Reads and writes <c>.json</c> configs in the value model (integers → long, other numbers → double).</summary>
internal static class JsonConfigFormat
{
    public static ConfigDict Read(string text, string? file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw ConfigException.At(file, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1, "invalid JSON: " + e.Message);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw ConfigException.At(file, 1, 1, $"a JSON config must be an object at the top level, found {doc.RootElement.ValueKind}");
            return (ConfigDict)Convert(doc.RootElement)!;
        }
    }

    /// <summary>
    /// Provenance for a JSON config read by <see cref="Read"/>: each object key of <paramref name="data"/> is recorded
    /// at the line of its name in <paramref name="text"/>, by walking the same text token by token.
    /// </summary>
    public static void RecordLines(string text, ConfigDict data, string file, ProvenanceTable prov)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<long> { 0 };
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') lineStarts.Add(i + 1);
        int LineAt(long offset)
        {
            int index = lineStarts.BinarySearch(offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new Stack<(object? Container, int Index)>();
        string? name = null;
        int nameLine = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    name = reader.GetString();
                    nameLine = LineAt(reader.TokenStartIndex);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    stack.Push((stack.Count == 0 ? data : Next(), 0));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    stack.Pop();
                    break;
                default:
                    Next();
                    break;
            }
        }

        // The value the current token stands for, recording its key's line; advances a list's index.
        object? Next()
        {
            var (container, index) = stack.Pop();
            object? value = null;
            if (container is ConfigDict d && name is not null && d.TryGetValue(name, out value))
                prov.Set(d, name, file, nameLine, value);
            else if (container is List<object?> list && index < list.Count)
                value = list[index];
            stack.Push((container, index + 1));
            return value;
        }
    }

    private static object? Convert(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new ConfigDict(e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, Convert(p.Value)))),
        JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.TryGetInt64(out long l) && !e.GetRawText().Contains('.') && !e.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase)
            ? (object)l
            : e.GetDouble(),
    };

    /// <summary>Python's <c>json.dumps</c> with default separators: one line, insertion order, ASCII-escaped.</summary>
    public static string Write(object? value)
    {
        var sb = new StringBuilder();
        WriteValue(sb, value);
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : ConfigFormatter.FormatFloat(d));
                break;
            case string s: WriteString(sb, s); break;
            case ConfigDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var (k, v) in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    WriteString(sb, k);
                    sb.Append(": ");
                    WriteValue(sb, v);
                }
                sb.Append('}');
                break;
            case IEnumerable<object?> seq:
                sb.Append('[');
                bool firstItem = true;
                foreach (var item in seq)
                {
                    if (!firstItem) sb.Append(", ");
                    firstItem = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                break;
            default: throw new ConfigException($"cannot write a value of type {value.GetType().Name} to JSON");
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < ' ' || c > '~') sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
