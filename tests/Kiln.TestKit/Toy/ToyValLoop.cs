using Kiln.Data;
using Kiln.Evaluation;
using Kiln.Loops;

namespace Kiln.TestKit.Toy;

/// <summary>A plugin's own evaluation loop (LOOP-06): runs the standard pass <see cref="Passes"/> times and keeps the last metrics.</summary>
public sealed class ToyValLoop(Runner runner, DataLoader dataloader, Evaluator evaluator, int passes = 1) : ValLoop(runner, dataloader, evaluator)
{
    public int Passes { get; } = passes;

    public int Runs { get; private set; }

    public override IReadOnlyDictionary<string, double> Run()
    {
        IReadOnlyDictionary<string, double> metrics = new Dictionary<string, double>();
        for (int i = 0; i < Passes; i++, Runs++) metrics = base.Run();
        return metrics;
    }
}
