using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Runner;

/// <summary>RUN-06 env_cfg: thread counts applied, MMEngine's keys accepted, anything else named as an error.</summary>
public sealed class EnvCfgTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly ToyRunner _toy = new();
    private readonly int _threads = torch.get_num_threads();

    public void Dispose()
    {
        torch.set_num_threads(_threads);
        _toy.Dispose();
        _tmp.Dispose();
    }

    [Fact]
    public void EnvCfg_NumThreadsAndMMEngineKeys_AppliedAndAccepted()
    {
        var cfg = ToyRunner.EpochBasedConfig(_tmp.Path);
        cfg["env_cfg"] = Kiln.Config.Config.FromString(
            "env_cfg = dict(num_threads=1, cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0), dist_cfg=dict(backend='nccl'))",
            ".py").Dict["env_cfg"];
        using var runner = _toy.Create(cfg);
        Assert.Equal(1, torch.get_num_threads());
    }

    [Fact]
    public void EnvCfg_UnknownKey_NamesIt()
    {
        var cfg = ToyRunner.EpochBasedConfig(_tmp.Path);
        cfg["env_cfg"] = new ConfigDict { ["cudnn_benchmarks"] = true };
        var e = Assert.Throws<KilnException>(() => _toy.Create(cfg));
        Assert.Contains("env_cfg.cudnn_benchmarks is not an environment option", e.Message);
    }
}
