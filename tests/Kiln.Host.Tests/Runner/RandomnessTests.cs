using Kiln.Config;
using Kiln.Randomness;
using Kiln.TestKit;
using Kiln.TestKit.Toy;
using TorchSharp;

namespace Kiln.Tests.Runner;

/// <summary>SEED-01, RUN-07: randomness.seed drives .NET randomness too; deterministic=True sets libtorch's switches.</summary>
public sealed class RandomnessTests : ToyRunnerTest
{
    protected override void Dispose(bool disposing)
    {
        LibTorchContext.SetDeterministicAlgorithms(false);
        base.Dispose(disposing);
    }

    private Kiln.Runner Create(ConfigDict randomness, string dir = "run")
    {
        var cfg = ToyRunner.EpochBasedConfig(Path.Combine(Tmp.Path, dir));
        cfg["randomness"] = randomness;
        return Toy.Create(cfg);
    }

    [Fact]
    public void Seed_DrivesKilnRandom_SameSeedSameSequence()
    {
        int[] Draw(long seed, string dir)
        {
            using var runner = Create(new ConfigDict { ["seed"] = seed }, dir);
            return Enumerable.Range(0, 8).Select(_ => KilnRandom.Current.Next()).ToArray();
        }
        var a = Draw(5, "a");
        var b = Draw(5, "b");
        var c = Draw(6, "c");
        Assert.Equal(6, KilnRandom.Seed);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void WorkerSeed_IsMMEnginesWorkerInitFn()
    {
        // mmengine/dataset/utils.py worker_init_fn: worker_seed = num_workers * rank + worker_id + seed
        Assert.Equal(2 * 3 + 1 + 100, KilnRandom.WorkerSeed(workerId: 1, numWorkers: 2, rank: 3, seed: 100));
    }

    [Fact]
    public void Deterministic_True_SetsUseDeterministicAlgorithms_FalseClearsIt()
    {
        Assert.True(LibTorchContext.IsAvailable, "libtorch_cpu.so on Linux exports at::Context's switches");
        using (Create(new ConfigDict { ["seed"] = 0L, ["deterministic"] = true }, "det"))
        {
            Assert.True(LibTorchContext.DeterministicAlgorithms);
            // A visible effect of the switch on CPU: with deterministic algorithms on, libtorch fills
            // uninitialised memory (torch.empty) with NaN instead of leaving whatever was there.
            using var empty = torch.empty(64, dtype: torch.float32);
            Assert.All(empty.data<float>().ToArray(), v => Assert.True(float.IsNaN(v)));
        }
        using (Create(new ConfigDict { ["seed"] = 0L }, "nondet"))
            Assert.False(LibTorchContext.DeterministicAlgorithms);
    }

    [Fact] // SEED-01: the DataLoader's per-sample generator, created only when drawn from
    public void UseSeed_DrawsAsNewRandomOfThatSeed_AndRestoresTheOuterGeneratorWhenDisposed()
    {
        KilnRandom.SetSeed(5);
        var outerExpected = new Random(5);
        Assert.Equal(outerExpected.Next(), KilnRandom.Current.Next());
        using (KilnRandom.UseSeed(123))
        {
            var expected = new Random(123);
            Assert.Equal(expected.Next(), KilnRandom.Current.Next());
            using (KilnRandom.UseSeed(7))
                Assert.Equal(new Random(7).NextDouble(), KilnRandom.Current.NextDouble());
            Assert.Equal(expected.Next(), KilnRandom.Current.Next());   // the outer scope continues its sequence
        }
        using (KilnRandom.UseSeed(99)) { }                              // a scope nothing draws from changes nothing
        Assert.Equal(outerExpected.Next(), KilnRandom.Current.Next());  // the run's generator continues where it was
    }
}
