using Kiln.Data;
using Kiln.Optim;
using Kiln.Optim.Schedulers;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/optim.md.</summary>
public static class OptimSnippets
{
    [Snippet("optim-wrapper")]
    public static void Wrapper()
    {
        #region guide:optim-wrapper
        torch.manual_seed(0);
        using var model = new MyToyModel();
        var optimWrapper = new OptimWrapper(torch.optim.SGD(model.parameters(), 0.1), accumulativeCounts: 2,
            clipGrad: new Kiln.Config.ConfigDict { ["max_norm"] = 1.0 });
        var dataset = new MyDataset(size: 16);
        using var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: false), batchSize: 4);
        foreach (var batch in loader)
        {
            var logVars = model.TrainStep(batch, optimWrapper);   // forward, backward; a step every 2nd batch
            Console.WriteLine($"loss: {logVars["loss"]:F4}");
        }
        Console.WriteLine($"lr: {optimWrapper.GetLr()["lr"][0]}");
        #endregion
    }

    [Snippet("param-scheduler")]
    public static void Schedulers()
    {
        #region guide:param-scheduler
        using var model = new MyToyModel();
        var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        var warmup = new LinearLR(optimizer, startFactor: 0.1, begin: 0, end: 2);
        var decay = new MultiStepLR(optimizer, milestones: [4, 6], gamma: 0.1, begin: 2, end: 8);
        for (int epoch = 0; epoch < 8; epoch++)
        {
            Console.WriteLine($"epoch {epoch}: lr {optimizer.ParamGroups.First().LearningRate:0.#####}");
            warmup.Step();   // ParamSchedulerHook steps every scheduler after each epoch (by_epoch=True)
            decay.Step();
        }
        #endregion
    }
}
