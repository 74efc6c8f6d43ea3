using Kiln.Hooks;
using Kiln.Progress;
using Kiln.Structures;
using Kiln.TestKit.Toy;
using Kiln.Tests.Logging;
using Spectre.Console.Testing;

namespace Kiln.Tests.Progress;

/// <summary>Live progress bars: when they show, and what they render (Spectre's TestConsole).</summary>
public sealed class ProgressBarsTests : ToyRunnerTest
{
    [Theory]
    [InlineData(null, false, "xterm-256color", true)]
    [InlineData(null, false, null, true)]
    [InlineData(true, false, "xterm", true)]
    [InlineData(false, false, "xterm", false)]   // progress_bar=False (or --no-progress)
    [InlineData(null, true, "xterm", false)]     // redirected: plain MMEngine lines only
    [InlineData(null, false, "dumb", false)]     // TERM=dumb
    public void ShouldShow_OnlyOnAnInteractiveTerminal_WhenNotSwitchedOff(bool? progressBar, bool redirected, string? term, bool expected)
    {
        Assert.Equal(expected, ProgressBars.ShouldShow(progressBar, redirected, term));
    }

    [Fact]
    public void ProgressBarValue_MustBeABool()
    {
        var e = Assert.Throws<KilnException>(() => ProgressBars.ShouldShow("yes", false, "xterm"));
        Assert.Contains("progress_bar = 'yes' must be True or False", e.Message);
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        cfg["progress_bar"] = "yes";
        e = Assert.Throws<KilnException>(() => Toy.Create(cfg));
        Assert.Contains("progress_bar = 'yes'", e.Message);
    }

    [Fact]
    public void Renders_TrainValAndTestRows_WithSmoothedLoss_AndLogLinesAbove()
    {
        var console = new TestConsole().Width(120);
        console.Profile.Capabilities.Interactive = true;
        console.Profile.Capabilities.Ansi = true;
        var runner = new FakeRunnerContext { MaxEpochs = 2, MaxIters = 4 };
        var batch = new DataBatch([], []);
        double[] losses = [1.0, 0.5, 0.5, 0.25];
        using (var bars = new ProgressBars(console))
        {
            for (int i = 0; i < 4; i++)
            {
                runner.Iter = i;
                runner.Epoch = i / 2;
                if (i % 2 == 0) bars.BeforeTrainEpoch(runner);
                bars.AfterTrainIter(runner, new TrainIterArgs(i % 2, batch, new Dictionary<string, double> { ["loss"] = losses[i] }));
            }
            // EMA with weight 0.1: 1 → 0.95 → 0.905 → 0.8395
            Assert.Equal(0.8395, bars.SmoothedLoss!.Value, 10);
            bars.LogWriter.WriteLine("11/30 16:00:00 - kiln - INFO - Epoch(val) [2][10/10] accuracy: 1.0");
            bars.BeforeValEpoch(runner);
            for (int i = 0; i < 10; i++) bars.AfterValIter(runner, new EvalIterArgs(i, batch, []));
            bars.BeforeTestEpoch(runner);
            for (int i = 0; i < 5; i++) bars.AfterTestIter(runner, new EvalIterArgs(i, batch, []));
            bars.AfterRun(runner);
        }
        string output = console.Output;
        Assert.Contains("train epoch 2/2 loss 0.8395", output);
        Assert.Contains("Epoch(val) [2][10/10] accuracy: 1.0", output);
        Assert.Contains("val", output);
        Assert.Contains("test", output);
        Assert.Contains("100%", output);
    }

    [Fact]
    public void RedirectedRun_HasNoObserverAndPlainLogs()
    {
        // The test host's stdout is redirected, so a Runner adds no bars and its hooks are MMEngine's list only.
        Assert.True(Console.IsOutputRedirected);
        var cfg = ToyRunner.EpochBasedConfig(Tmp.Path);
        using var runner = Toy.Create(cfg);
        Assert.Empty(runner.HookList.Observers);
    }
}
