using Kiln.Structures;
using Kiln.Vision.Models;
using static TorchSharp.torch;

namespace Kiln.Vision.Tests.Models;

/// <summary>MOD-15: test-time augmentation runs the module once per view and merges per sample.</summary>
public sealed class TtaTests
{
    [Fact]
    public void AverageClsScoreTTA_AveragesTheViewsScores()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = new LeNet5();
        model.eval();
        var images = Enumerable.Range(0, 2).Select(_ => rand(1, 28, 28)).ToArray();
        var flipped = images.Select(i => i.flip(2)).ToArray();
        DataSample Sample(int label) => new() { GtLabel = label };

        var plain = model.TestStep(new DataBatch(images, [Sample(0), Sample(1)]));
        var mirror = model.TestStep(new DataBatch(flipped, [Sample(0), Sample(1)]));
        var tta = new AverageClsScoreTTA(model);
        var batch = new DataBatch([new List<object> { images[0], flipped[0] }, new List<object> { images[1], flipped[1] }], [Sample(0), Sample(1)]);
        var merged = tta.TestStep(batch);

        Assert.Equal(2, merged.Count);
        for (int i = 0; i < 2; i++)
        {
            var expected = plain[i].PredScore!.Zip(mirror[i].PredScore!, (a, b) => (a + b) / 2).ToArray();
            Assert.Equal(expected, merged[i].PredScore!, (a, b) => Math.Abs(a - b) < 1e-6);
            Assert.Equal(Array.IndexOf(expected, expected.Max()), merged[i].PredLabel);
            Assert.Equal(i, merged[i].GtLabel);
        }
    }

    [Fact]
    public void TestStep_ViewCountsMustAgree()
    {
        using var scope = NewDisposeScope();
        var tta = new AverageClsScoreTTA(new LeNet5());
        var batch = new DataBatch([new List<object> { rand(1, 28, 28) }, new List<object> { rand(1, 28, 28), rand(1, 28, 28) }], [null, null]);
        var e = Assert.Throws<KilnException>(() => tta.TestStep(batch));
        Assert.Equal("TTA: sample 1 has 2 views but sample 0 has 1; every sample needs the same augmentations.", e.Message);
    }
}
