using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Examples.MyAwesomeModel;
using Kiln.TestKit;
using TorchSharp;
using static TorchSharp.torch;
using Model = Kiln.Examples.MyAwesomeModel.MyAwesomeModel;

namespace Kiln.Examples.Tests;

/// <summary>
/// Both styles of the Runner tutorial, run once for all the tests of <see cref="MyAwesomeModelTests"/>: the full
/// 10 epochs (so the MultiStepLR milestones 4 and 8 both pass) on 2,000 training points (32 iterations an epoch
/// instead of 157) and the tutorial's 1,000 validation points, seed 0.
/// </summary>
public sealed class MyAwesomeModelRuns : IDisposable
{
    public const int TrainSize = 2000;
    public const int Epochs = 10;

    private readonly TempDir _tmp = new();

    public MyAwesomeModelRuns()
    {
        ObjectsDir = _tmp.Combine("objects");
        ConfigDir = _tmp.Combine("config");
        (ObjectWeights, ObjectAccuracy) = Run(new TutorialOptions { WorkDir = ObjectsDir, Epochs = Epochs, TrainSize = TrainSize, Seed = 0 });
        (ConfigWeights, ConfigAccuracy) = Run(new TutorialOptions { ConfigStyle = true, WorkDir = ConfigDir, Epochs = Epochs, TrainSize = TrainSize, Seed = 0 });
    }

    public string ObjectsDir { get; }

    public string ConfigDir { get; }

    public float[] ObjectWeights { get; }

    public float[] ConfigWeights { get; }

    public double ObjectAccuracy { get; }

    public double ConfigAccuracy { get; }

    private static (float[] Weights, double Accuracy) Run(TutorialOptions options)
    {
        using var host = RunnerTutorial.CreateHost(TextWriter.Null);
        using var runner = RunnerTutorial.Build(host.Services, options);
        runner.Train();
        using var scope = NewDisposeScope();
        return (runner.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray(),
            runner.MessageHub.GetScalar("val/accuracy").Current);
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>Issue 11 (c), spec T3: MMEngine's Runner tutorial (MyAwesomeModel on two rings), object style and example_config.py.</summary>
public sealed class MyAwesomeModelTests(MyAwesomeModelRuns runs) : IClassFixture<MyAwesomeModelRuns>
{
    /// <summary>T3.4: 10 epochs; validation from epoch 2 (val_begin=2) on; lr 1e-3, then 1e-4 after epoch 4, 1e-5 after epoch 8 (MultiStepLR, SCHED-02).</summary>
    [Theory]
    [InlineData("objects")]
    [InlineData("config")]
    public void Schedule_ValidationFromEpoch2_MultiStepLr(string style)
    {
        string dir = style == "objects" ? runs.ObjectsDir : runs.ConfigDir;
        var messages = TutorialLog.Messages(dir);
        var train = messages.Select(m => Regex.Match(m, @"^Epoch\(train\) +\[(\d+)\]\[ *(\d+)/(\d+)\]  lr: (\S+)  ")).Where(m => m.Success).ToList();
        Assert.All(train, m => Assert.Equal("32", m.Groups[3].Value));   // ceil(2000 / 64)
        for (int epoch = 1; epoch <= 10; epoch++)
        {
            string expected = epoch <= 4 ? "1.0000e-03" : epoch <= 8 ? "1.0000e-04" : "1.0000e-05";
            var lines = train.Where(m => m.Groups[1].Value == epoch.ToString(CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(["10", "20", "30"], lines.Select(m => m.Groups[2].Value));   // LoggerHook every 10 iterations
            Assert.All(lines, m => Assert.Equal(expected, m.Groups[4].Value));
        }
        // MMEngine pads the epoch to the width of max_epochs: "Epoch(train)  [1][10/32]" in a 10-epoch run.
        Assert.Contains(messages, m => m.StartsWith("Epoch(train)  [1][10/32]  lr: 1.0000e-03  eta: ", StringComparison.Ordinal));
        var valEpochs = messages.Select(m => Regex.Match(m, @"^Epoch\(val\) +\[(\d+)\]\[1/1\]    accuracy: (\d+\.\d{4})")).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(2, 9), valEpochs);
    }

    /// <summary>CheckpointHook(interval=1): epoch_1.pth … epoch_10.pth and last_checkpoint naming the last.</summary>
    [Theory]
    [InlineData("objects")]
    [InlineData("config")]
    public void Checkpoints_EveryEpoch(string style)
    {
        string dir = style == "objects" ? runs.ObjectsDir : runs.ConfigDir;
        for (int epoch = 1; epoch <= 10; epoch++) Assert.True(File.Exists(Path.Combine(dir, $"epoch_{epoch}.pth")), $"epoch_{epoch}.pth missing in {dir}");
        Assert.EndsWith("epoch_10.pth", File.ReadAllText(Path.Combine(dir, "last_checkpoint")).Trim());
    }

    /// <summary>
    /// The rings are radius 3 and 6 with N(0, 1) noise, so the best classifier expects about 93.3 % (an error of
    /// P(Z &gt; 1.5) per class; ± 0.8 on 1,000 points); "close to 100" is not reachable. Above 90 means it learnt the circle.
    /// </summary>
    [Fact]
    public void ValidationAccuracy_Above90()
    {
        Assert.InRange(runs.ObjectAccuracy, 90.0, 100.0);
        Assert.InRange(runs.ConfigAccuracy, 90.0, 100.0);
    }

    /// <summary>RUN-01/RUN-03: Runner.Create from objects and Runner.FromConfig from example_config.py end with the same weights and log values.</summary>
    [Fact]
    public void ObjectAndConfigStyles_SameSeed_SameWeightsAndLog()
    {
        Assert.Equal(runs.ObjectWeights.Length, runs.ConfigWeights.Length);
        Assert.Equal(runs.ObjectWeights, runs.ConfigWeights);
        Assert.Equal(TutorialLog.ProgressLines(runs.ObjectsDir), TutorialLog.ProgressLines(runs.ConfigDir));
    }
}

/// <summary>The tutorial's components on their own (T3.1).</summary>
public sealed class MyAwesomeModelComponentTests
{
    [Theory]
    [InlineData(1, 192 + 130)]
    [InlineData(2, 192 + 4160 + 130)]
    [InlineData(4, 192 + 3 * 4160 + 130)]
    public void Model_LayersAndParameterCount(int layers, long parameters)
    {
        using var scope = NewDisposeScope();
        var model = new Model(layers, "relu");
        Assert.Equal(parameters, model.parameters().Sum(p => p.numel()));
        Assert.Equal(layers * 2, model.named_children().Single(c => c.name == "mlp").module.children().Count());
        Assert.Contains("classifier.weight", model.state_dict().Keys);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("silu")]
    [InlineData("none")]
    public void Model_Activations_ChangeTheMlp(string activation)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var model = new Model(2, activation);
        var x = tensor(new float[] { -2, 1, 3, -4 }).reshape(2, 2);
        var samples = new[] { new Structures.DataSample { GtLabel = 0 }, new Structures.DataSample { GtLabel = 1 } };
        var logits = model.Forward(x, samples, Models.ForwardMode.Tensor).Raw!;
        Assert.Equal([2L, 2], logits.shape);
        var mlp = model.named_children().Single(c => c.name == "mlp").module.children().ToList();
        string expected = activation switch { "relu" => "ReLU", "silu" => "SiLU", _ => "Identity" };
        Assert.Equal(expected, mlp[1].GetType().Name);
        var predicted = model.Forward(x, samples, Models.ForwardMode.Predict).Predictions!;
        Assert.All(predicted, p => Assert.Equal(1.0, p.PredScore!.Sum(), 5));   // softmax scores
        Assert.True(model.Forward(x, samples, Models.ForwardMode.Loss).Losses!["loss"].item<float>() > 0);
    }

    [Fact]
    public void Model_UnknownActivation_IsAnErrorListingTheValidOnes()
    {
        var e = Assert.Throws<KilnException>(() => new Model(2, "gelu"));
        Assert.Contains("'gelu'", e.Message);
        Assert.Contains("'relu', 'silu', 'none'", e.Message);
    }

    /// <summary>Two rings: class l at radius 3(l + 1) + N(0, 1); fixed seeds (0 train, 3407 val), so every build is the same.</summary>
    [Fact]
    public void Dataset_TwoRings_Seeded()
    {
        var train = new MyDataset(isTrain: true, size: 4000);
        var again = new MyDataset(isTrain: true, size: 4000);
        var val = new MyDataset(isTrain: false, size: 4000);
        Assert.Equal(4000, train.Count);
        var radii = new List<double>[] { [], [] };
        using (NewDisposeScope())
        {
            for (int i = 0; i < train.Count; i++)
            {
                var s = train.Get(i);
                var p = ((Tensor)s.Inputs).data<float>().ToArray();
                Assert.Equal(p, ((Tensor)again.Get(i).Inputs).data<float>().ToArray());
                long label = s.DataSample!.GtLabel!.Value;
                Assert.InRange(label, 0, 1);
                radii[label].Add(Math.Sqrt(p[0] * p[0] + p[1] * p[1]));
            }
            Assert.NotEqual(((Tensor)train.Get(0).Inputs).data<float>().ToArray(), ((Tensor)val.Get(0).Inputs).data<float>().ToArray());
        }
        Assert.InRange(radii[0].Count, 1800, 2200);   // labels ~ Bernoulli(0.5)
        Assert.InRange(radii[0].Average(), 2.9, 3.1);  // |3 + N(0, 1)|: the sign rarely flips at 3 sigma
        Assert.InRange(radii[1].Average(), 5.9, 6.1);
        Assert.Throws<KilnException>(() => new MyDataset(true, 0));
    }
}
