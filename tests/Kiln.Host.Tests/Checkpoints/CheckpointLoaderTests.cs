using System.Net;
using System.Net.Sockets;
using Kiln.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Checkpoints;

/// <summary>CKPT-01, CKPT-05: MMEngine's load_checkpoint (revise_keys, strict, map_location), prefix loading, http sources, verification.</summary>
public class CheckpointLoaderTests
{
    private static nn.Module Net() => nn.Sequential(("fc", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));

    private static PyOrderedDict Weights(string prefix, float fill)
    {
        var sd = new PyOrderedDict();
        foreach (var (name, t) in Net().state_dict())
            sd[prefix + name] = t.dtype == ScalarType.Int64 ? tensor(3L) : full(t.shape, fill);
        return sd;
    }

    // CKPT-01: the default revise_keys strips DataParallel's 'module.' prefix, as MMEngine's.
    [Fact]
    public void LoadCheckpoint_ModulePrefixedKeys_AreRevisedByDefault()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        CheckpointFile.Save(folder.File("dp.pth"), new PyDict { ["meta"] = new PyDict(), ["state_dict"] = Weights("module.", 0.5f) });
        var model = Net();

        var result = CheckpointLoader.LoadCheckpoint(model, folder.File("dp.pth"), strict: true);

        Assert.True(result.Report.IsExact);
        Assert.Equal(new float[] { 0.5f, 0.5f }, model.state_dict()["fc.bias"].data<float>().ToArray());
        Assert.Equal(3L, model.state_dict()["bn.num_batches_tracked"].item<long>());
        Assert.IsType<PyDict>(Assert.IsType<PyDict>(result.Checkpoint)["meta"]);
    }

    // CKPT-01: revise_keys are Python re.sub pairs applied in order; \1 in the replacement is a group.
    [Fact]
    public void LoadCheckpoint_CustomReviseKeysWithGroups_RenamesBeforeLoading()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var sd = Weights("", 2f);
        var renamed = new PyOrderedDict();
        foreach (var (k, v) in sd) renamed[$"net.{((string)k).Replace(".", "/", StringComparison.Ordinal)}"] = v; // net.fc/weight
        CheckpointFile.Save(folder.File("renamed.pth"), renamed); // a bare state dict, no 'state_dict' key
        var model = Net();

        var result = CheckpointLoader.LoadCheckpoint(model, folder.File("renamed.pth"), strict: true,
            reviseKeys: [(@"^net\.", ""), (@"^(\w+)/(\w+)$", @"\1.\2")]);

        Assert.True(result.Report.IsExact);
        Assert.Equal(2f, model.state_dict()["fc.weight"][0, 0].item<float>());
    }

    // CKPT-01: strict=True raises MMEngine's "do not match exactly" text; strict=False reports it and loads the rest.
    [Fact]
    public void LoadCheckpoint_Mismatches_StrictThrowsAndNonStrictReports()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var sd = Weights("", 1f);
        sd.Remove("bn.running_var");
        sd["fc.weight"] = zeros(4, 4);
        sd["extra.w"] = ones(1);
        CheckpointFile.Save(folder.File("bad.pth"), new PyDict { ["state_dict"] = sd });

        var error = Assert.Throws<KilnException>(() => CheckpointLoader.LoadCheckpoint(Net(), folder.File("bad.pth"), strict: true));
        Assert.Contains("The model and loaded state dict do not match exactly", error.Message);

        var model = Net();
        var result = CheckpointLoader.LoadCheckpoint(model, folder.File("bad.pth"));
        Assert.Equal(
            "The model and loaded state dict do not match exactly\n\n"
            + "size mismatch for fc.weight: copying a param with shape torch.Size([4, 4]) from checkpoint, the shape in current model is torch.Size([2, 3]).\n"
            + "unexpected key in source state_dict: extra.w\n\n"
            + "missing keys in source state_dict: bn.running_var\n",
            result.Report.FormatMessage());
        Assert.Equal(new float[] { 1, 1 }, model.state_dict()["fc.bias"].data<float>().ToArray());
    }

    // CKPT-05: Pretrained with prefix: only 'backbone.' keys, prefix removed (MMEngine adds the missing dot).
    [Fact]
    public void LoadWithPrefix_SelectsAndStripsPrefix()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var sd = Weights("backbone.", 4f);
        sd["head.fc.weight"] = ones(1);
        CheckpointFile.Save(folder.File("full.pth"), new PyDict { ["state_dict"] = sd });

        var selected = CheckpointLoader.LoadWithPrefix("backbone", folder.File("full.pth"));

        Assert.Equal(Net().state_dict().Keys, selected.Keys.Cast<string>());
        var model = Net();
        Assert.True(CheckpointLoader.LoadStateDict(model, selected, strict: true).IsExact);
        var e = Assert.Throws<KilnException>(() => CheckpointLoader.LoadWithPrefix("neck.", folder.File("full.pth")));
        Assert.Contains("no key of the state dict starts with the prefix 'neck.'", e.Message);
    }

    // CKPT-01: map_location='cpu' is accepted; a device that is not there is a clear error.
    [Fact]
    public void Load_MapLocation_CpuWorksAndBadDeviceExplains()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        CheckpointFile.Save(folder.File("w.pth"), Weights("", 1f));
        Assert.IsType<PyOrderedDict>(CheckpointLoader.Load(folder.File("w.pth"), "cpu"));
        var e = Assert.Throws<KilnException>(() => CheckpointLoader.Load(folder.File("w.pth"), "tpu:0"));
        Assert.Contains("map_location='tpu:0'", e.Message);
    }

    // CKPT-01: an http(s) checkpoint is downloaded once into the cache folder, then read from there.
    [Fact]
    public void LoadCheckpoint_HttpUrl_DownloadsOnceToCache()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        CheckpointFile.Save(folder.File("served.pth"), new PyDict { ["state_dict"] = Weights("", 1.5f) });
        var body = File.ReadAllBytes(folder.File("served.pth"));
        int port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        int requests = 0;
        var server = Task.Run(() =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = listener.GetContext(); }
                catch (HttpListenerException) { return; }
                catch (ObjectDisposedException) { return; }
                Interlocked.Increment(ref requests);
                if (ctx.Request.Url!.AbsolutePath == "/models/lenet.pth")
                {
                    ctx.Response.ContentLength64 = body.Length;
                    ctx.Response.OutputStream.Write(body);
                }
                else
                {
                    ctx.Response.StatusCode = 404;
                }
                ctx.Response.Close();
            }
        });

        var previous = Environment.GetEnvironmentVariable("KILN_CACHE_DIR");
        Environment.SetEnvironmentVariable("KILN_CACHE_DIR", folder.File("cache"));
        try
        {
            string url = $"http://127.0.0.1:{port}/models/lenet.pth";
            var model = Net();
            Assert.True(CheckpointLoader.LoadCheckpoint(model, url, strict: true).Report.IsExact);
            Assert.Equal(1.5f, model.state_dict()["fc.weight"][1, 2].item<float>());
            Assert.True(File.Exists(folder.File("cache", "checkpoints", "lenet.pth")));
            Assert.True(CheckpointLoader.LoadCheckpoint(Net(), url).Report.IsExact);
            Assert.Equal(1, Volatile.Read(ref requests));

            var e = Assert.Throws<KilnException>(() => CheckpointLoader.Load($"http://127.0.0.1:{port}/missing.pth"));
            Assert.Contains("404", e.Message);
            Assert.Contains("missing.pth", e.Message);
            Assert.False(File.Exists(folder.File("cache", "checkpoints", "missing.pth")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KILN_CACHE_DIR", previous);
            listener.Stop();
        }
    }

    // CKPT-01: one flipped byte inside a tensor record is found by its CRC-32.
    [Fact]
    public void Verify_FlippedByteInTensorRecord_ReportsDamagedRecord()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        string path = folder.File("w.pth");
        CheckpointFile.Save(path, new PyDict { ["w"] = arange(64, dtype: ScalarType.Int32) });
        Assert.Null(CheckpointFile.Verify(path));

        var bytes = File.ReadAllBytes(path);
        var pattern = arange(64, dtype: ScalarType.Int32).bytes.ToArray();
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0);
        bytes[at + 100] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        Assert.Contains("record 'archive/data/0' is damaged", CheckpointFile.Verify(path));
    }

    [Theory]
    [InlineData(@"\1.\2", "${1}.${2}")]
    [InlineData(@"\g<name>_x", "${name}_x")]
    [InlineData("cost$", "cost$$")]
    [InlineData(@"a\\b", @"a\b")]
    public void PythonReplacement_TranslatesToDotNet(string python, string dotnet) =>
        Assert.Equal(dotnet, CheckpointLoader.PythonReplacement(python));

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
