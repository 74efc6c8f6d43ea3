using Kiln.Config;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Runner;

/// <summary>RUN-06 env_cfg: thread counts applied, MMEngine's keys accepted, anything else named as an error.</summary>
public sealed class EnvCfgTests : ToyRunnerTest
{
    private readonly int _threads = torch.get_num_threads();

    protected override void Dispose(bool disposing)
    {
        torch.set_num_threads(_threads);
        base.Dispose(disposing);
    }

    [Fact]
    public void EnvCfg_NumThreadsAndMMEngineKeys_AppliedAndAccepted()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["env_cfg"] = Kiln.Config.Config.FromString(
            "env_cfg = dict(num_threads=1, cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0), dist_cfg=dict(backend='nccl'))",
            ".py").Dict["env_cfg"];
        using var runner = Toy.Create(cfg);
        Assert.Equal(1, torch.get_num_threads());
    }

    [Fact]
    public void EnvCfg_UnknownKey_NamesIt()
    {
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["env_cfg"] = new ConfigDict { ["cudnn_benchmarks"] = true };
        var e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("env_cfg.cudnn_benchmarks is not an environment option", e.Message);
    }
}
