using Kiln.Config;
using Kiln.Gan.Hooks;
using Kiln.Gan.Models;
using Kiln.Hosting;
using Kiln.Optim;
using Kiln.TestKit;
using Kiln.Vision.Datasets;
using Kiln.Vision.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Gan.Tests;

/// <summary>
/// docs/gan.md's C# program (the tutorial's Python, T2.1–T2.8, with Kiln's objects), cut to 3 iterations of 8 images:
/// Runner.BuildDataloader over a ready dataset (RUN-17), a GAN from ready networks, an OptimWrapperDict of two
/// ready OptimWrappers, Runner.Create from objects (RUN-01), and the sample hook as an object.
/// </summary>
[Collection("cli")]
public class TutorialProgramTests
{
    [Fact]
    public void TutorialProgram_FromObjects_TrainsBothNetsAndDrawsGrids()
    {
        using var tmp = new TempDir();
        using var host = KilnHost.Create(console: TextWriter.Null);
        torch.manual_seed(0);

        var dataset = new Mnist(RepoPaths.Mnist);
        var trainDataloader = Runner.BuildDataloader(new ConfigDict
        {
            ["batch_size"] = 8L,
            ["num_workers"] = 0L,
            ["sampler"] = new ConfigDict { ["type"] = "DefaultSampler", ["shuffle"] = true },
            ["dataset"] = dataset,
        }, host.Services);

        var generator = new Models.Generator(100, [1, 28, 28]);
        var discriminator = new Discriminator([1, 28, 28]);
        var model = new GanModel(generator, discriminator, 100, new ImgDataPreprocessor(mean: [127.5], std: [127.5]));
        static OptimWrapper Adam(nn.Module net) => new(optim.Adam(net.parameters(), lr: 0.0001, beta1: 0.5, beta2: 0.999));
        var optimWrapper = new OptimWrapperDict([new("generator", Adam(generator)), new("discriminator", Adam(discriminator))]);
        var g0 = generator.parameters().First().detach().clone();
        var d0 = discriminator.parameters().First().detach().clone();
        var samples = new GanSampleHook(interval: 2, numSamples: 16, nrow: 4, outDir: Path.Combine(tmp.Path, "samples"));

        using (var runner = Runner.Create(host.Services, model, workDir: Path.Combine(tmp.Path, "runs", "gan"),
            trainDataloader: trainDataloader,
            trainCfg: new ConfigDict { ["type"] = "IterBasedTrainLoop", ["max_iters"] = 3L },
            optimWrapper: optimWrapper,
            customHooks: [samples]))
        {
            runner.Train();
            Assert.Equal(3, runner.Iter);
            Assert.False(generator.parameters().First().SameAs(g0), "the generator did not change");
            Assert.False(discriminator.parameters().First().SameAs(d0), "the discriminator did not change");
        }

        // Before the first iteration, at 2, after the last (3).
        Assert.Equal(new[] { "gan_samples_0.png", "gan_samples_2.png", "gan_samples_3.png" }, samples.Written.Select(Path.GetFileName));
        Assert.All(samples.Written, p => Assert.True(File.Exists(p), p));
    }
}
