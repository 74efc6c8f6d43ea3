using Kiln.Data;
using Kiln.Evaluation;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/evaluation.md.</summary>
public static class EvaluationSnippets
{
    [Snippet("evaluator")]
    public static void Evaluate()
    {
        #region guide:evaluator
        torch.manual_seed(0);
        using var model = new MyToyModel();
        var evaluator = new Evaluator([new MyAccuracy(prefix: "toy")]);
        var dataset = new MyDataset(size: 32, seed: 1);
        using var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: false), batchSize: 8);
        foreach (var batch in loader)
            evaluator.Process(model.ValStep(batch), batch);   // what ValLoop does per batch
        foreach (var (name, value) in evaluator.Evaluate(dataset.Count))
            Console.WriteLine($"{name}: {value:F2}");
        #endregion
    }
}
