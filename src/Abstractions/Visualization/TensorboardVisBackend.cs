using System.Globalization;
using Google.Protobuf;
using Kiln.Registry;
using Tensorboard;

namespace Kiln.Visualization;

/// <summary>
/// MMEngine's <c>TensorboardVisBackend</c>: scalars, images (PNG) and the config text into a TensorBoard event file
/// <c>save_dir/events.out.tfevents.&lt;time&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;</c>, as PyTorch's
/// <c>SummaryWriter(save_dir)</c> names and writes it. The messages are TorchSharp's generated TensorBoard protobuf
/// types; the records are framed here (TFRecord: length, masked CRC32C of the length, data, masked CRC32C of the
/// data) because TorchSharp 0.107's <c>SummaryWriter</c> stamps its first event with <c>DateTime.Now.Ticks</c>
/// where TensorBoard expects seconds since 1970, which breaks TensorBoard's relative-time axis.
/// </summary>
[Register(Registries.VisBackends)]
public sealed class TensorboardVisBackend(string? saveDir = null) : VisBackend(saveDir)
{
    private static int s_uid;
    private FileStream? _file;

    /// <summary>The event file, once the first record is written.</summary>
    public string? EventFile { get; private set; }

    protected override void InitEnv()
    {
        Directory.CreateDirectory(SaveDir!);
        double now = WallTime();
        EventFile = Path.Combine(SaveDir!, string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{(long)now}.{Environment.MachineName}.{Environment.ProcessId}.{Interlocked.Increment(ref s_uid) - 1}"));
        _file = new FileStream(EventFile, FileMode.Create, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = now, FileVersion = "brain.Event:2" });
    }

    public override void AddConfig(string configText)
    {
        EnsureInit();
        // torch's add_text: a string tensor summary read by TensorBoard's text plugin
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.TensorShape.Dim.Add(new TensorShapeProto.Types.Dim { Size = 1 });
        tensor.StringVal.Add(ByteString.CopyFromUtf8(configText));
        var value = new Summary.Types.Value
        {
            Tag = "config/text_summary",
            Tensor = tensor,
            Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = "text" } },
        };
        WriteSummary(value, 0);
    }

    public override void AddImage(string name, VisImage image, int step = 0)
    {
        EnsureInit();
        var value = new Summary.Types.Value
        {
            Tag = name,
            Image = new Summary.Types.Image
            {
                Height = image.Height, Width = image.Width, Colorspace = 3,
                EncodedImageString = ByteString.CopyFrom(image.EncodePng()),
            },
        };
        WriteSummary(value, step);
    }

    public override void AddScalar(string name, double value, int step = 0)
    {
        EnsureInit();
        WriteSummary(new Summary.Types.Value { Tag = name, SimpleValue = (float)value }, step);
    }

    /// <summary>Each number in <paramref name="scalars"/> as its own scalar; other values are skipped (MMEngine warns and skips them).</summary>
    public override void AddScalars(IReadOnlyDictionary<string, object> scalars, int step = 0, string? filePath = null)
    {
        if (scalars.ContainsKey("step"))
            throw new KilnException("TensorboardVisBackend.add_scalars: the scalars hold 'step'; please set it directly through the step parameter.");
        foreach (var (name, value) in scalars)
            if (value is double or float or int or long or short or byte or decimal)
                AddScalar(name, Convert.ToDouble(value, CultureInfo.InvariantCulture), step);
    }

    public override void Close()
    {
        _file?.Dispose();
        _file = null;
    }

    private void WriteSummary(Summary.Types.Value value, int step)
    {
        var summary = new Summary();
        summary.Value.Add(value);
        Write(new Event { WallTime = WallTime(), Step = step, Summary = summary });
    }

    private static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private void Write(Event e)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(TensorboardVisBackend), "the TensorBoard event file is closed.");
        byte[] data = e.ToByteArray();
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        var crc = new byte[4];
        file.Write(header);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Masked(header));
        file.Write(crc);
        file.Write(data);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Masked(data));
        file.Write(crc);
        file.Flush();
    }
}

/// <summary>CRC-32C (Castagnoli), and TFRecord's masked form: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>.</summary>
public static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
