using Kiln.Evaluation;
using Kiln.Structures;

namespace Kiln.TestKit.Toy;

/// <summary>MMEngine's <c>ToyMetric</c>: always <c>acc = 1</c>; counts the samples it saw.</summary>
public sealed class ToyMetric : BaseMetric
{
    public ToyMetric() : base(null) { }

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var _ in dataSamples) Results.Add(1.0);
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results) =>
        new Dictionary<string, double> { ["acc"] = 1.0 };
}
