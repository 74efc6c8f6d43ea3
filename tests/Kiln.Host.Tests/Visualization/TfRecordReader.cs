using System.Buffers.Binary;

namespace Kiln.Tests.Visualization;

/// <summary>
/// Reads a TensorBoard event file record by record (TFRecord framing), checking both masked CRC32C values of every
/// record with a bitwise CRC written independently of the production table-driven one.
/// </summary>
internal static class TfRecordReader
{
    public static List<Tensorboard.Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Tensorboard.Event>();
        int p = 0;
        while (p < bytes.Length)
        {
            Assert.True(p + 12 <= bytes.Length, $"truncated header at {p}");
            var header = bytes.AsSpan(p, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            Assert.Equal(MaskedCrc(header), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p + 8, 4)));
            p += 12;
            Assert.True(p + (int)length + 4 <= bytes.Length, $"truncated record at {p}");
            var data = bytes.AsSpan(p, (int)length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(p + (int)length, 4)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            p += (int)length + 4;
        }
        return events;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
