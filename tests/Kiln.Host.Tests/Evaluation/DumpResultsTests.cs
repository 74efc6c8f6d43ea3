using Kiln.Checkpoints;
using Kiln.Evaluation;
using Kiln.Structures;
using Kiln.TestKit;

namespace Kiln.Tests.Evaluation;

/// <summary>MMEngine's <c>DumpResults</c> (EVAL-05): a pickled list with one plain dict per data sample, and no metrics.</summary>
public sealed class DumpResultsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static DataSample Sample(long gt, long pred, float[] scores, int index)
    {
        var sample = new DataSample { GtLabel = gt, PredLabel = pred, PredScore = scores };
        sample.SetMetaInfo("sample_idx", index);
        return sample;
    }

    [Fact]
    public void ComputeMetrics_WritesOneDictPerSample_ReadableAsPickle()
    {
        string path = _tmp.Combine("sub", "preds.pkl");
        var metric = new DumpResults(path);
        var scores = new float[] { 0.25f, 0.75f };
        metric.Process(new DataBatch([], []), [Sample(1, 1, scores, 0), Sample(0, 1, [0.4f, 0.6f], 1)]);
        metric.Process(new DataBatch([], []), [Sample(0, 0, [0.9f, 0.1f], 2)]);
        scores[0] = 99f; // the metric keeps a copy, not the caller's buffer

        var metrics = metric.Evaluate(3);

        Assert.Empty(metrics);
        using var stream = File.OpenRead(path);
        var read = new PickleReader(stream, path, _ => throw new InvalidOperationException("no tensors expected")).Read();
        var list = Assert.IsType<List<object?>>(read);
        Assert.Equal(3, list.Count);
        var first = Assert.IsType<PyDict>(list[0]);
        Assert.Equal(0L, first["sample_idx"]);
        Assert.Equal(1L, first["gt_label"]);
        Assert.Equal(1L, first["pred_label"]);
        var firstScores = Assert.IsType<List<object?>>(first["pred_score"]);
        Assert.Equal([0.25, 0.75], firstScores.Select(v => (double)v!));
        var last = Assert.IsType<PyDict>(list[2]);
        Assert.Equal(2L, last["sample_idx"]);
        Assert.Equal(0L, last["pred_label"]);
    }

    [Fact]
    public void Evaluate_DropsPaddingBeyondDatasetSize()
    {
        string path = _tmp.Combine("preds.pickle");
        var metric = new DumpResults(path);
        metric.Process(new DataBatch([], []), [Sample(1, 1, [0f, 1f], 0), Sample(1, 1, [0f, 1f], 1)]);
        metric.Evaluate(1);
        using var stream = File.OpenRead(path);
        var list = Assert.IsType<List<object?>>(new PickleReader(stream, path, _ => throw new InvalidOperationException()).Read());
        Assert.Single(list);
    }

    [Theory]
    [InlineData("preds.json")]
    [InlineData("preds")]
    public void OutFilePath_MustBePkl(string name)
    {
        var e = Assert.Throws<KilnException>(() => new DumpResults(name));
        Assert.Contains($"DumpResults.out_file_path = '{name}': the output file must be a pkl file", e.Message);
    }

    [Fact]
    public void NonPlainField_IsAnErrorNamingTheField()
    {
        var metric = new DumpResults(_tmp.Combine("p.pkl"));
        var sample = new DataSample();
        sample.Set("odd", new Uri("http://x"));
        var e = Assert.Throws<KilnException>(() => metric.Process(new DataBatch([], []), [sample]));
        Assert.Contains("field 'odd' is a System.Uri", e.Message);
    }
}
