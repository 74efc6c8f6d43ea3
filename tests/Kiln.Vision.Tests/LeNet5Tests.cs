using Kiln.Models;
using Kiln.Structures;
using Kiln.Vision.Models;
using TorchSharp;

namespace Kiln.Vision.Tests;

public class LeNet5Tests
{
    /// <summary>Images whose brightness encodes their class (class c is about 25·c), so the batch is learnable.</summary>
    private static DataBatch Batch(int n)
    {
        var inputs = Enumerable.Range(0, n).Select(i => (object)(torch.rand(1, 28, 28) * 10 + 25 * (i % 10))).ToList();
        var samples = Enumerable.Range(0, n).Select(i => (DataSample?)new DataSample { GtLabel = i % 10 }).ToList();
        return new DataBatch(inputs, samples);
    }

    [Fact] // MOD-01: forward modes
    public void Forward_EachMode_ReturnsItsOutput()
    {
        torch.manual_seed(0);
        using var scope = torch.NewDisposeScope();
        using var model = new LeNet5(10, new ImgDataPreprocessor(mean: [33.33], std: [78.57]));
        var data = model.DataPreprocessor.Forward(Batch(4), training: false);
        Assert.Equal(new long[] { 4, 1, 28, 28 }, data.Inputs.shape);

        Assert.Equal(new long[] { 4, 10 }, model.Forward(data.Inputs, data.DataSamples, ForwardMode.Tensor).Raw!.shape);
        var loss = model.Forward(data.Inputs, data.DataSamples, ForwardMode.Loss).Losses!["loss"];
        Assert.InRange(loss.item<float>(), 1.0f, 4.0f); // about ln(10) at initialisation
        var predictions = model.Forward(data.Inputs, data.DataSamples, ForwardMode.Predict).Predictions!;
        Assert.Equal(4, predictions.Count);
        Assert.All(predictions, p => Assert.Equal(1.0, p.PredScore!.Sum(), 4));
        Assert.All(predictions, p => Assert.Equal(Array.IndexOf(p.PredScore!, p.PredScore!.Max()), (int)p.PredLabel!));
    }

    [Fact] // MOD-02: train step
    public void TrainStep_RepeatedSgdSteps_LowerLossOnFixedBatch()
    {
        torch.manual_seed(0);
        using var model = new LeNet5(10, new ImgDataPreprocessor(mean: [33.33], std: [78.57]));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.05, momentum: 0.9);
        var wrapper = new Kiln.Optim.OptimWrapper(optimizer);
        var batch = Batch(16);
        double first = 0, last = 0;
        for (int i = 0; i < 30; i++)
        {
            using var scope = torch.NewDisposeScope();
            var logVars = model.TrainStep(batch, wrapper);
            if (i == 0) first = logVars["loss"];
            last = logVars["loss"];
        }
        Assert.True(last < first * 0.9, $"loss went from {first} to {last}");
    }

    [Fact]
    public void ImgDataPreprocessor_Normalises_PerChannel()
    {
        using var scope = torch.NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [10, 20, 30], std: [2, 4, 5]);
        var image = torch.stack([torch.full(2, 2, 14f), torch.full(2, 2, 28f), torch.full(2, 2, 40f)]);
        var result = pre.Forward(new DataBatch([image], [null]), training: false).Inputs;
        Assert.Equal(new long[] { 1, 3, 2, 2 }, result.shape);
        Assert.All(result.data<float>().ToArray(), v => Assert.Equal(2f, v));
    }

    // MOD-10: bgr_to_rgb flips a 3-channel image before normalising; MMEngine accepts 1 or 3 mean/std values only.
    [Fact]
    public void ImgDataPreprocessor_SwapsChannelsBeforeNormalising_AndNeedsOneOrThreeValues()
    {
        using var scope = torch.NewDisposeScope();
        var pre = new ImgDataPreprocessor(mean: [1, 2, 3], std: [1, 1, 1], bgrToRgb: true);
        var bgr = torch.stack([torch.full(1, 1, 30f), torch.full(1, 1, 20f), torch.full(1, 1, 10f)]);
        var result = pre.Forward(new DataBatch([bgr], [null]), training: false).Inputs;
        Assert.Equal(new float[] { 9, 18, 27 }, result.data<float>().ToArray());
        var e = Assert.Throws<KilnException>(() => new ImgDataPreprocessor(mean: [10, 20], std: [2, 4]));
        Assert.Equal("ImgDataPreprocessor: `mean` should have 1 or 3 values, to be compatible with RGB or gray image, but got 2 values", e.Message);
    }

    [Fact]
    public void ImgDataPreprocessor_PadsToDivisor()
    {
        using var scope = torch.NewDisposeScope();
        var pre = new ImgDataPreprocessor(padSizeDivisor: 4, padValue: -1);
        var result = pre.Forward(new DataBatch([torch.ones(1, 3, 5), torch.ones(1, 2, 2)], [null, null]), training: false).Inputs;
        Assert.Equal(new long[] { 2, 1, 4, 8 }, result.shape);
        Assert.Equal(-1f, result[1, 0, 3, 7].item<float>());
        Assert.Equal(1f, result[0, 0, 2, 4].item<float>());
    }
}
