using Kiln.Config;
using Kiln.Data;
using Kiln.Models;
using Kiln.Models.Analysis;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/model.md.</summary>
public static class ModelSnippets
{
    [Snippet("model-modes")]
    public static void Modes()
    {
        #region guide:model-modes
        torch.manual_seed(0);
        using var model = new MyToyModel();
        var dataset = new MyDataset(size: 4);
        DataBatch batch = Collate.PseudoCollate([.. Enumerable.Range(0, 4).Select(dataset.Get)]);
        using (torch.NewDisposeScope())
        {
            var data = model.DataPreprocessor.Forward(batch, training: true);   // stacks the inputs
            var losses = model.Forward(data.Inputs, data.DataSamples, ForwardMode.Loss).Losses!;
            Console.WriteLine($"loss mode: {string.Join(", ", losses.Keys)}");
            var logits = model.Forward(data.Inputs, data.DataSamples, ForwardMode.Tensor).Raw!;
            Console.WriteLine($"tensor mode: [{string.Join(", ", logits.shape)}]");
        }
        var predictions = model.ValStep(batch);   // predict mode, no gradients
        Console.WriteLine($"predict mode: {predictions.Count} data samples with pred_label");
        #endregion
    }

    [Snippet("init-cfg")]
    public static void InitCfg()
    {
        #region guide:init-cfg
        using var model = new MyToyModel(initCfg: new ConfigDict
        {
            ["type"] = "Constant", ["layer"] = "Linear", ["val"] = 0.5, ["bias"] = 0.1,
        });
        model.InitWeights();
        foreach (var (name, parameter) in model.named_parameters())
            Console.WriteLine($"{name}: {string.Join(", ", parameter.data<float>().ToArray())}");
        #endregion
    }

    [Snippet("complexity")]
    public static void Complexity()
    {
        #region guide:complexity
        using var model = torch.nn.Sequential(("fc1", torch.nn.Linear(2, 8)), ("act", torch.nn.ReLU()), ("fc2", torch.nn.Linear(8, 2)));
        ComplexityInfo info = ComplexityAnalysis.GetModelComplexityInfo(model, inputShape: [1, 2], showArch: false);
        Console.WriteLine($"params: {info.Params}, flops: {info.Flops}, activations: {info.Activations}");
        Console.WriteLine(info.OutTable);
        #endregion
    }

    [Snippet("data-element")]
    public static void DataElement()
    {
        #region guide:data-element
        using var scope = torch.NewDisposeScope();
        var instances = new InstanceData(new Dictionary<string, object?> { ["img_shape"] = new[] { 64, 64 } });
        instances.Set("bboxes", torch.tensor(new float[,] { { 0, 0, 10, 10 }, { 5, 5, 20, 20 }, { 30, 30, 60, 60 } }));
        instances.Set("labels", torch.tensor(new long[] { 0, 1, 1 }));
        var dogs = instances[torch.tensor(new[] { false, true, true })];
        Console.WriteLine($"{instances.Length} instances, {dogs.Length} with label 1; keys: {string.Join(", ", dogs.AllKeys())}");
        #endregion
    }
}
