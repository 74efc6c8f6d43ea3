using Kiln.Evaluation;
using Kiln.Structures;

namespace Kiln.TestKit.Toy;

/// <summary>
/// MMEngine's test_checkpoint_hook.py <c>TriangleMetric</c> (prefix <c>test</c>): the k-th evaluation gives
/// <c>acc = 1 - |k - length // 2| / length</c>, so the best score comes at evaluation <c>length // 2</c>.
/// </summary>
public sealed class TriangleMetric(int length) : BaseMetric(null)
{
    private int _curIdx;

    protected override string? DefaultPrefix => "test";

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples) => Results.Add(0.0);

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        _curIdx++;
        return new Dictionary<string, double> { ["acc"] = 1.0 - Math.Abs(_curIdx - length / 2) / (double)length };
    }
}
