using System.CommandLine;
using Kiln.Examples.MyAwesomeModel;

// MMEngine's Runner tutorial: MyAwesomeModel on two noisy rings, 10 epochs, validation from epoch 2.
//   dotnet run --project examples/MyAwesomeModel -c Release              (the object style)
//   dotnet run --project examples/MyAwesomeModel -c Release -- --config  (example_config.py)
var config = new Option<string?>("--config")
{
    Description = "Run the config-file style: CONFIG (default: example_config.py beside the program) through Runner.FromConfig.",
    Arity = ArgumentArity.ZeroOrOne,
    HelpName = "CONFIG",
};
var workDir = new Option<string?>("--work-dir") { Description = "Where logs and checkpoints go (default: the tutorial's exp/my_awesome_model).", HelpName = "DIR" };
var epochs = new Option<int?>("--epochs") { Description = "train_cfg.max_epochs (default 10).", HelpName = "N" };
var trainSize = new Option<int?>("--train-size") { Description = "Training points (default 10000; 157 iterations of 64).", HelpName = "N" };
var valSize = new Option<int?>("--val-size") { Description = "Validation points (default 1000).", HelpName = "N" };
var numWorkers = new Option<int?>("--num-workers") { Description = "Data-loading worker threads per dataloader (default 2).", HelpName = "N" };
var seed = new Option<int?>("--seed") { Description = "randomness.seed (default: none, as the tutorial; a random seed is drawn and logged).", HelpName = "N" };

var root = new RootCommand("MMEngine's Runner tutorial (MyAwesomeModel) on Kiln.") { config, workDir, epochs, trainSize, valSize, numWorkers, seed };
root.SetAction(parse =>
{
    var options = new TutorialOptions
    {
        ConfigStyle = parse.GetResult(config) is not null,
        ConfigFile = parse.GetValue(config),
        WorkDir = parse.GetValue(workDir),
        Epochs = parse.GetValue(epochs),
        TrainSize = parse.GetValue(trainSize),
        ValSize = parse.GetValue(valSize),
        NumWorkers = parse.GetValue(numWorkers),
        Seed = parse.GetValue(seed),
    };
    try
    {
        using var host = RunnerTutorial.CreateHost();
        using var runner = RunnerTutorial.Build(host.Services, options);
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
