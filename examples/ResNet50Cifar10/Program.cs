using System.CommandLine;
using Kiln.Examples.ResNet50Cifar10;

// MMEngine's "15 minutes to get started": ResNet-50 on CIFAR-10, SGD lr 0.001 momentum 0.9, batch 32, 5 epochs,
// validation after every epoch.
//   dotnet run --project examples/ResNet50Cifar10 -c Release -- --data-root data/cifar10
var defaults = new TutorialOptions();
var dataRoot = new Option<string>("--data-root") { Description = "The folder holding cifar-10-batches-bin/ (binary version; nothing is downloaded).", HelpName = "DIR", DefaultValueFactory = _ => defaults.DataRoot };
var workDir = new Option<string>("--work-dir") { Description = "Where logs and checkpoints go.", HelpName = "DIR", DefaultValueFactory = _ => defaults.WorkDir };
var epochs = new Option<int>("--epochs") { Description = "train_cfg.max_epochs.", HelpName = "N", DefaultValueFactory = _ => defaults.Epochs };
var batchSize = new Option<int>("--batch-size") { Description = "Batch size of both dataloaders.", HelpName = "N", DefaultValueFactory = _ => defaults.BatchSize };
var maxTrain = new Option<int?>("--max-train-samples") { Description = "Train on the first N images only (default: all 50,000).", HelpName = "N" };
var maxVal = new Option<int?>("--max-val-samples") { Description = "Validate on the first N test images only (default: all 10,000).", HelpName = "N" };
var logInterval = new Option<int>("--log-interval") { Description = "Log every N iterations.", HelpName = "N", DefaultValueFactory = _ => defaults.LogInterval };
var numWorkers = new Option<int>("--num-workers") { Description = "Data-loading worker threads.", HelpName = "N", DefaultValueFactory = _ => defaults.NumWorkers };
var seed = new Option<int?>("--seed") { Description = "randomness.seed (default: none, as the tutorial).", HelpName = "N" };

var root = new RootCommand("MMEngine's 15-minute tutorial (ResNet-50 on CIFAR-10) on Kiln.")
{
    dataRoot, workDir, epochs, batchSize, maxTrain, maxVal, logInterval, numWorkers, seed,
};
root.SetAction(parse =>
{
    var options = new TutorialOptions
    {
        DataRoot = parse.GetValue(dataRoot)!,
        WorkDir = parse.GetValue(workDir)!,
        Epochs = parse.GetValue(epochs),
        BatchSize = parse.GetValue(batchSize),
        MaxTrainSamples = parse.GetValue(maxTrain),
        MaxValSamples = parse.GetValue(maxVal),
        LogInterval = parse.GetValue(logInterval),
        NumWorkers = parse.GetValue(numWorkers),
        Seed = parse.GetValue(seed),
    };
    try
    {
        using var host = Cifar10Tutorial.CreateHost();
        using var runner = Cifar10Tutorial.Build(host.Services, options);
        runner.Train();
        return 0;
    }
    catch (Kiln.KilnException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
});
return root.Parse(args).Invoke();
