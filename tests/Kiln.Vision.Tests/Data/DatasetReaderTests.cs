using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kiln.Config;
using Kiln.Datasets;
using Kiln.Hosting;
using Kiln.TestKit;
using Kiln.Vision.Datasets;
using Kiln.Vision.Transforms;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace Kiln.Vision.Tests.Data;

/// <summary>CIFAR, Fashion-MNIST, CustomDataset/ImageFolder and download=True against a local HTTP server.</summary>
public sealed class DatasetReaderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>n CIFAR-10 records: label i % 10, pixel p of channel c = (i + c * 7 + p) % 256.</summary>
    private static byte[] CifarRecords(int n, int labelBytes)
    {
        var bytes = new byte[n * (labelBytes + 3072)];
        for (int i = 0; i < n; i++)
        {
            int o = i * (labelBytes + 3072);
            if (labelBytes == 2) bytes[o] = (byte)(i % 20);
            bytes[o + labelBytes - 1] = (byte)(i % 10);
            for (int c = 0; c < 3; c++) for (int p = 0; p < 1024; p++) bytes[o + labelBytes + c * 1024 + p] = (byte)((i + c * 7 + p) % 256);
        }
        return bytes;
    }

    private void WriteCifar10(int perBatch = 2)
    {
        var dir = Directory.CreateDirectory(_tmp.Combine("cifar-10-batches-bin")).FullName;
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), CifarRecords(perBatch, 1));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), CifarRecords(3, 1));
    }

    [Fact]
    public void Cifar10_BinaryBatches_RgbImageAndLabels()
    {
        WriteCifar10();
        var train = new Cifar10(_tmp.Path, pipeline: [new PackInputs()]);
        Assert.Equal(10, train.Count);
        var test = new Cifar10(_tmp.Path, testMode: true, pipeline: [new PackInputs()]);
        Assert.Equal(3, test.Count);
        using var scope = torch.NewDisposeScope();
        var sample = test.Get(2);
        var t = (torch.Tensor)sample.Inputs;
        Assert.Equal(new long[] { 3, 32, 32 }, t.shape);
        Assert.Equal((2 + 7 + 5) % 256, t[1, 0, 5].item<float>());   // channel 1 (G), pixel 5
        Assert.Equal(2L, sample.DataSample!.GtLabel);
        Assert.Equal("airplane", ((List<object?>)train.MetaInfo["classes"]!)[0]);
        Assert.Equal([1], train.GetCatIds(1));
        // truncated file: an error naming it
        File.WriteAllBytes(_tmp.Combine("cifar-10-batches-bin", "test_batch.bin"), CifarRecords(3, 1)[..5000]);
        Assert.Contains("test_batch.bin", Assert.Throws<KilnException>(() => new Cifar10(_tmp.Path, testMode: true)).Message);
        Assert.Contains("download=True", Assert.Throws<KilnException>(() => new Cifar10(_tmp.Combine("nowhere"))).Message);
    }

    [Fact]
    public void Cifar100_FineLabels()
    {
        var dir = Directory.CreateDirectory(_tmp.Combine("cifar-100-binary")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "train.bin"), CifarRecords(4, 2));
        File.WriteAllBytes(Path.Combine(dir, "test.bin"), CifarRecords(2, 2));
        var ds = new Cifar100(_tmp.Path, pipeline: [new PackInputs()]);
        Assert.Equal(4, ds.Count);
        Assert.Equal(3L, ds.GetDataInfo(3)["gt_label"]);
        Assert.Equal(100, ((List<object?>)ds.MetaInfo["classes"]!).Count);
    }

    private void WriteFolders()
    {
        foreach (var (cls, n) in new[] { ("cat", 2), ("dog", 3) })
        {
            Directory.CreateDirectory(_tmp.Combine("train", cls));
            for (int i = 0; i < n; i++)
            {
                var img = new Image(5, 4, 3);
                Array.Fill(img.Data, cls == "cat" ? 10 * i : 100 + 10 * i);
                File.WriteAllBytes(_tmp.Combine("train", cls, $"{i}.png"), img.EncodePng());
            }
        }
        File.WriteAllText(_tmp.Combine("train", "dog", "notes.txt"), "not an image");
    }

    [Fact]
    public void ImageFolder_ClassesFromFolders_LoadsThroughThePipeline()
    {
        WriteFolders();
        var ds = new ImageFolder(_tmp.Path, dataPrefix: "train", pipeline: [new LoadImageFromFile(), new PackInputs()]);
        Assert.Equal(5, ds.Count);
        Assert.Equal(new List<object?> { "cat", "dog" }, ds.MetaInfo["classes"]);
        Assert.Equal(1L, ds.GetDataInfo(4)["gt_label"]);
        using var scope = torch.NewDisposeScope();
        var sample = ds.Get(3);
        Assert.Equal(new long[] { 3, 5, 4 }, ((torch.Tensor)sample.Inputs).shape);
        Assert.Equal(110f, ((torch.Tensor)sample.Inputs)[0, 0, 0].item<float>());
        Assert.Equal(1L, sample.DataSample!.GtLabel);
        Assert.EndsWith("dog/1.png", (string)sample.DataSample.MetaInfo["img_path"]!);
        Assert.Contains("does not exist", Assert.Throws<KilnException>(() => new ImageFolder(_tmp.Path, dataPrefix: "val")).Message);
    }

    [Fact]
    public void CustomDataset_TextAnnotationFile()
    {
        WriteFolders();
        File.WriteAllText(_tmp.Combine("ann.txt"), "cat/1.png 0\ndog/2.png 1\n");
        var ds = new CustomDataset(_tmp.Path, dataPrefix: "train", annFile: "ann.txt", metainfo: new Dictionary<string, object?> { ["classes"] = new List<object?> { "cat", "dog" } });
        Assert.Equal(2, ds.Count);
        Assert.Equal(BaseDataset.PathJoin(_tmp.Path, "train") + "/dog/2.png", ds.GetDataInfo(1)["img_path"]);
        File.WriteAllText(_tmp.Combine("bad.txt"), "cat/1.png zero\n");
        Assert.Contains("bad.txt:1", Assert.Throws<KilnException>(() => new CustomDataset(_tmp.Path, annFile: "bad.txt")).Message);
    }

    [Fact]
    public void Pipeline_FromConfig_SameBatchesForAnyNumWorkers() // DATA-23, DATA-25, RUN-17
    {
        WriteCifar10(perBatch: 5);
        using var services = new ServiceCollection().AddLogging().AddOptions()
            .AddKiln(o => { o.LoadPluginFolders = false; o.InProcessPlugins.Add(new VisionPlugin()); }).BuildServiceProvider();
        ConfigDict D(params (string, object?)[] kv) => new(kv.Select(p => new KeyValuePair<string, object?>(p.Item1, p.Item2)));
        List<float[]> Batches(long workers)
        {
            var cfg = D(("batch_size", 4L), ("num_workers", workers),
                ("sampler", D(("type", "DefaultSampler"), ("shuffle", true))),
                ("collate_fn", D(("type", "default_collate"))),
                ("dataset", D(("type", "CIFAR10"), ("data_root", _tmp.Path), ("pipeline", new List<object?>
                {
                    D(("type", "RandomCrop"), ("crop_size", 32L), ("padding", 4L)),
                    D(("type", "RandomFlip"), ("prob", 0.5)),
                    D(("type", "ColorJitter"), ("brightness", 0.4), ("contrast", 0.4)),
                    D(("type", "Normalize"), ("mean", new List<object?> { 125.3, 123.0, 113.9 }), ("std", new List<object?> { 63.0, 62.1, 66.7 }), ("to_rgb", false)),
                    D(("type", "PackInputs")),
                }))));
            using var loader = Kiln.Runner.BuildDataloader(cfg, services, seed: 42, defaultScope: "vision");
            var result = new List<float[]>();
            foreach (var batch in loader)
                using (torch.NewDisposeScope())
                    result.Add(((torch.Tensor)batch.StackedInputs!).data<float>().ToArray());
            return result;
        }
        var inline = Batches(0);
        Assert.Equal(7, inline.Count);
        Assert.Equal(inline, Batches(2));
        Assert.Equal(inline, Batches(4));
    }

    // ---- download=True against a server on 127.0.0.1 ----

    private sealed class FileServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _files;
        private readonly Task _loop;

        public FileServer(Dictionary<string, byte[]> files)
        {
            _files = files;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Prefix = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Prefix);
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public string Prefix { get; }

        public List<string?> Ranges { get; } = [];

        /// <summary>Serve only this many bytes of each file (a truncated transfer).</summary>
        public int? Truncate { get; set; }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception) { return; }
                var name = ctx.Request.Url!.AbsolutePath.TrimStart('/');
                var range = ctx.Request.Headers["Range"];
                lock (Ranges) Ranges.Add(range);
                if (!_files.TryGetValue(name, out var data)) { ctx.Response.StatusCode = 404; ctx.Response.Close(); continue; }
                int start = 0;
                if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
                {
                    start = int.Parse(range[6..].TrimEnd('-'));
                    ctx.Response.StatusCode = 206;
                    ctx.Response.AddHeader("Content-Range", $"bytes {start}-{data.Length - 1}/{data.Length}");
                }
                var body = data[start..];
                if (Truncate is { } t) body = body[..Math.Min(t, body.Length)];
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
                ctx.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest)) z.Write(data);
        return ms.ToArray();
    }

    private static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    [Fact]
    public void Download_VerifiesResumesAndRenamesAtomically()
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        using var server = new FileServer(new() { ["f.bin"] = payload });
        string target = _tmp.Combine("dl", "f.bin");
        // a partial file from an interrupted run is resumed with a Range request
        Directory.CreateDirectory(_tmp.Combine("dl"));
        File.WriteAllBytes(target + ".part", payload[..1234]);
        Download.File(server.Prefix + "f.bin", target, Md5(payload));
        Assert.Equal(payload, File.ReadAllBytes(target));
        Assert.False(File.Exists(target + ".part"));
        Assert.Equal("bytes=1234-", server.Ranges[^1]);
        // present and verified: not fetched again
        int requests = server.Ranges.Count;
        Download.File(server.Prefix + "f.bin", target, Convert.ToHexStringLower(SHA256.HashData(payload)));
        Assert.Equal(requests, server.Ranges.Count);
        // a truncated transfer fails the checksum: clear error, nothing left at the target
        server.Truncate = 100;
        string other = _tmp.Combine("dl", "g.bin");
        var e = Assert.Throws<KilnException>(() => Download.File(server.Prefix + "f.bin", other, Md5(payload)));
        Assert.Contains("f.bin", e.Message);
        Assert.Contains("checksum", e.Message);
        Assert.False(File.Exists(other));
        Assert.False(File.Exists(other + ".part"));
        // HTTP errors name the URL
        Assert.Contains("404", Assert.Throws<KilnException>(() => Download.File(server.Prefix + "missing.bin", other, null)).Message);
        // a corrupt file already on disk is reported, not silently used
        File.WriteAllBytes(other, [1, 2, 3]);
        Assert.Contains("corrupt or truncated", Assert.Throws<KilnException>(() => Download.File(server.Prefix + "f.bin", other, Md5(payload))).Message);
    }

    [Fact]
    public void FashionMnist_DownloadTrue_FetchesFromTheServer()
    {
        byte[] images = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, .. Enumerable.Range(0, 8).Select(i => (byte)i)];
        byte[] labels = [0, 0, 8, 1, 0, 0, 0, 2, 4, 9];
        var files = new Dictionary<string, byte[]> { ["t10k-images-idx3-ubyte.gz"] = Gzip(images), ["t10k-labels-idx1-ubyte.gz"] = Gzip(labels) };
        using var server = new FileServer(files);
        // the real checksums do not match these synthetic files: the error names the file
        var e = Assert.Throws<KilnException>(() => new FashionMnist(_tmp.Combine("fm"), testMode: true, download: true, urlPrefix: server.Prefix));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        // with the files' own checksums (what DatasetFiles describes), download then read
        new DatasetFiles(server.Prefix, [.. files.Select(kv => (kv.Key, Md5(kv.Value)))]).Fetch(_tmp.Combine("fm"), null, "t10k");
        var ds = new FashionMnist(_tmp.Combine("fm"), testMode: true, download: false);
        Assert.Equal(2, ds.Count);
        Assert.Equal("Ankle boot", ((string[])ds.MetaInfo["classes"]!)[9]);
        Assert.Equal(9L, ds.Get(1).DataSample!.GtLabel);
        // a truncated gzip on disk: an error naming the file
        File.WriteAllBytes(_tmp.Combine("fm", "t10k-images-idx3-ubyte.gz"), Gzip(images)[..20]);
        Assert.Contains("t10k-images-idx3-ubyte.gz", Assert.Throws<KilnException>(() => new FashionMnist(_tmp.Combine("fm"), testMode: true)).Message);
    }

    [Fact]
    public void Cifar10_DownloadTrue_FetchesAndExtractsTheArchive()
    {
        // build a cifar-10-binary.tar.gz with the test batch and serve it; the md5 in the class is the real archive's,
        // so the synthetic one is rejected with an error naming it
        var src = Directory.CreateDirectory(_tmp.Combine("src", "cifar-10-batches-bin")).FullName;
        File.WriteAllBytes(Path.Combine(src, "test_batch.bin"), CifarRecords(2, 1));
        using var tar = new MemoryStream();
        using (var gz = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
            System.Formats.Tar.TarFile.CreateFromDirectory(_tmp.Combine("src"), gz, includeBaseDirectory: false);
        using var server = new FileServer(new() { ["cifar-10-binary.tar.gz"] = tar.ToArray() });
        var e = Assert.Throws<KilnException>(() => new Cifar10(_tmp.Combine("c10"), testMode: true, download: true, urlPrefix: server.Prefix));
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);
        Assert.Contains("c32a1d4ab5d03f1284b67883e8d87530", e.Message);
        // the extraction path itself (with a verified archive)
        Directory.CreateDirectory(_tmp.Combine("c10"));
        Download.File(server.Prefix + "cifar-10-binary.tar.gz", _tmp.Combine("c10", "x.tar.gz"), Md5(tar.ToArray()));
        Download.ExtractTarGz(_tmp.Combine("c10", "x.tar.gz"), _tmp.Combine("c10"));
        Assert.Equal(2, new Cifar10(_tmp.Combine("c10"), testMode: true).Count);
    }
}
