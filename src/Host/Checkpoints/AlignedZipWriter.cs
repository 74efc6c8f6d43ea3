using System.Buffers.Binary;
using System.Text;

namespace Kiln.Checkpoints;

/// <summary>
/// Writes an uncompressed zip whose record data start on 64-byte boundaries, as PyTorch's
/// <c>PyTorchStreamWriter</c> does (caffe2/serialize/inline_container.cc: <c>kFieldAlignment = 64</c>; the padding
/// is a local-header extra field with id <c>"FB"</c> filled with <c>'Z'</c>, see <c>detail::getPadding</c>), so
/// PyTorch can memory-map storages.
/// </summary>
/// <remarks>This is a very simple implementation: no zip64, so a file past 4 GiB is refused.</remarks>
internal sealed class AlignedZipWriter
{
    private const int Alignment = 64;
    private const int LocalHeaderSize = 30;

    // 1980-01-01 00:00: fixed so the same checkpoint always gives the same bytes.
    private const ushort DosDate = (1 << 5) | 1;

    private readonly Stream _out;
    private readonly List<(string Name, uint Crc, uint Size, uint Offset)> _entries = [];

    public AlignedZipWriter(Stream output) => _out = output;

    /// <summary>Writes one stored record, padded so its data start on a 64-byte boundary.</summary>
    public void AddRecord(string name, ReadOnlySpan<byte> data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var offset = Checked(_out.Position, name);
        Checked(data.Length + offset, name);
        var start = offset + LocalHeaderSize + nameBytes.Length + 4;
        var padding = (int)((Alignment - (start % Alignment)) % Alignment);
        // The zip CRC-32 (IEEE, reflected 0xEDB88320) that miniz checks when PyTorch reads a record; vectorised.
        var crc = System.IO.Hashing.Crc32.HashToUInt32(data);

        Span<byte> header = stackalloc byte[LocalHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 20); // version needed: 2.0
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0); // flags
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 0); // method: stored
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], 0); // time
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)(padding + 4));
        _out.Write(header);
        _out.Write(nameBytes);

        Span<byte> extra = stackalloc byte[4 + padding];
        extra[0] = (byte)'F';
        extra[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)padding);
        extra[4..].Fill((byte)'Z');
        _out.Write(extra);
        _out.Write(data);
        _entries.Add((name, crc, (uint)data.Length, offset));
    }

    /// <summary>Writes the central directory and the end record.</summary>
    public void Finish()
    {
        var directoryOffset = Checked(_out.Position, "the central directory");
        Span<byte> h = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in _entries)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20); // made by
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 20); // needed
            BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(h[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(h[30..], 0); // extra
            BinaryPrimitives.WriteUInt16LittleEndian(h[32..], 0); // comment
            BinaryPrimitives.WriteUInt16LittleEndian(h[34..], 0); // disk
            BinaryPrimitives.WriteUInt16LittleEndian(h[36..], 0); // internal attributes
            BinaryPrimitives.WriteUInt32LittleEndian(h[38..], 0); // external attributes
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], offset);
            _out.Write(h);
            _out.Write(nameBytes);
        }

        var directorySize = Checked(_out.Position - directoryOffset, "the central directory");
        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], directoryOffset);
        _out.Write(end);
    }

    private static uint Checked(long value, string what) =>
        value < uint.MaxValue
            ? (uint)value
            : throw new KilnException($"cannot write {what}: checkpoints over 4 GiB need zip64, which Kiln does not write yet");
}
