using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian header
/// length, a JSON header <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>, then
/// the tensors' bytes, contiguous, little-endian. Tensors only; no sharing.
/// </summary>
internal static class SafetensorsFormat
{
    private const string MetadataKey = "__metadata__";

    // The reference implementation refuses headers over 100 MB; so do we, before allocating.
    private const long MaxHeader = 100_000_000;

    public static void Write(Stream output, object? checkpoint, IReadOnlyDictionary<string, string>? metadata, string source)
    {
        if (checkpoint is not PyDict dict)
        {
            throw new KilnException($"cannot save {source} as safetensors: it holds only a dict of named tensors, not a {checkpoint?.GetType().Name ?? "null"}");
        }

        using var scope = NewDisposeScope();
        var tensors = new List<(string Name, Tensor Data)>();
        foreach (var (key, value) in dict)
        {
            if (key is not string name || value is not Tensor tensor)
            {
                throw new KilnException($"cannot save {source} as safetensors: entry {key} is a {value?.GetType().Name ?? "null"}; safetensors holds only tensors under string keys");
            }

            if (tensor.IsInvalid)
            {
                throw new KilnException($"cannot save {source}: the tensor '{name}' has been disposed");
            }

            tensors.Add((name, tensor.detach().cpu().contiguous()));
        }

        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata)
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, data) in tensors)
            {
                var size = data.numel() * TorchDTypes.ElementSize(data.dtype);
                w.WriteStartObject(name);
                w.WriteString("dtype", TorchDTypes.SafetensorsName(data.dtype));
                w.WriteStartArray("shape");
                foreach (var d in data.shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + size);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += size;
            }

            w.WriteEndObject();
        }

        // The reference writer pads the header with spaces to a multiple of 8 so the data are aligned.
        while (json.Length % 8 != 0)
        {
            json.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        output.Write(length);
        output.Write(json.GetBuffer().AsSpan(0, (int)json.Length));
        foreach (var (_, data) in tensors)
        {
            output.Write(data.bytes);
        }
    }

    public static (PyOrderedDict Tensors, Dictionary<string, string> Metadata) Read(Stream input, string source)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        input.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeader)
        {
            throw new KilnException($"cannot read {source}: safetensors header length {headerLength} is implausible; the file is not safetensors or is corrupt");
        }

        var header = new byte[headerLength];
        input.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;

        using var doc = JsonDocument.Parse(header);
        var metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, ScalarType DType, long[] Shape, long Begin, long End)>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == MetadataKey)
            {
                foreach (var m in prop.Value.EnumerateObject())
                {
                    metadata[m.Name] = m.Value.GetString() ?? "";
                }

                continue;
            }

            var dtypeName = prop.Value.GetProperty("dtype").GetString() ?? "";
            if (!TorchDTypes.TryFromSafetensorsName(dtypeName, out var dtype))
            {
                throw new KilnException($"cannot read {source}: tensor '{prop.Name}' has dtype {dtypeName}, which Kiln does not read (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, C64)");
            }

            var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            entries.Add((prop.Name, dtype, shape, offsets[0], offsets[1]));
        }

        using var scope = NewDisposeScope();
        var result = new PyOrderedDict();
        foreach (var (name, dtype, shape, begin, end) in entries.OrderBy(e => e.Begin))
        {
            var numel = shape.Aggregate(1L, (a, b) => a * b);
            if (end - begin != numel * TorchDTypes.ElementSize(dtype) || begin < 0)
            {
                throw new KilnException($"cannot read {source}: tensor '{name}' has data_offsets [{begin}, {end}] that do not match its shape and dtype");
            }

            var tensor = empty(shape, dtype);
            if (numel > 0)
            {
                input.Seek(dataStart + begin, SeekOrigin.Begin);
                input.ReadExactly(tensor.bytes);
            }

            result[name] = tensor;
        }

        foreach (var tensor in CheckpointValue.EnumerateTensors(result))
        {
            tensor.MoveToOuterDisposeScope();
        }

        return (result, metadata);
    }
}
