using System.Globalization;
using Kiln.Checkpoints;
using Kiln.Hooks;
using Kiln.Logging;
using Kiln.Optim;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Kiln;

public partial class Runner
{
    private bool _hasLoaded;

    /// <summary>
    /// MMEngine's <c>save_checkpoint</c>: <c>meta</c> (epoch, iter, cfg, seed, experiment name, time, version),
    /// <c>state_dict</c> (CPU copies of the weights, an OrderedDict), <c>message_hub</c>, <c>optimizer</c>
    /// (PyTorch's optimizer state_dict layout) and <c>param_schedulers</c>; then the BeforeSaveCheckpoint hooks;
    /// then an atomic write. Everything in it loads in Python with <c>torch.load</c>.
    /// </summary>
    public void SaveCheckpoint(string directory, string fileName, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true)
    {
        // MMEngine's save_checkpoint is master_only: rank 0 writes, the others' weights are the same.
        if (!Distributed.Dist.IsMainProcess) return;
        using var scope = torch.NewDisposeScope();
        var meta = new PyDict
        {
            ["epoch"] = (long)(byEpoch ? Epoch + 1 : Epoch),
            ["iter"] = (long)(byEpoch ? Iter : Iter + 1),
            ["cfg"] = ConfigText,
            ["seed"] = (long)Seed,
            ["experiment_name"] = ExperimentName,
            ["time"] = DateTime.Now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture),
            ["kiln_version"] = KilnVersion.Current,
        };
        var checkpoint = new PyDict
        {
            ["meta"] = meta,
            ["state_dict"] = StateDictConverter.ToCheckpointValue(Model),
            ["message_hub"] = MessageHubState.ToStateDict(MessageHub),
        };
        if (saveOptimizer && _optimWrapper is not null)
            checkpoint["optimizer"] = _optimWrapper.StateDict();
        if (saveParamScheduler && _paramSchedulers is { Count: > 0 })
            checkpoint["param_schedulers"] = _paramSchedulers.Select(s => (object?)s.StateDict()).ToList();

        var args = new CheckpointArgs(new StringKeyView(checkpoint));
        HookList.Call(h => h.BeforeSaveCheckpoint(this, args));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName);
        CheckpointFile.Save(path, checkpoint);
        Logger.LogInformation("Saving checkpoint at {Count} {Unit}", byEpoch ? Epoch + 1 : Iter + 1, byEpoch ? "epochs" : "iterations");
    }

    /// <summary>
    /// MMEngine's <c>load_or_resume</c>: with <c>resume=True</c> and no <c>load_from</c>, resume from the checkpoint
    /// named in <c>work_dir/last_checkpoint</c> (train from scratch when there is none); with both, resume from
    /// <c>load_from</c>; with only <c>load_from</c>, load the weights alone.
    /// </summary>
    private void LoadOrResume()
    {
        if (_hasLoaded) return;
        _hasLoaded = true;
        bool resume = Cfg.Get("resume") is true;
        var loadFrom = Cfg.Get("load_from") as string;
        if (resume && loadFrom is null)
        {
            loadFrom = FindLatestCheckpoint(WorkDir);
            if (loadFrom is null)
            {
                Logger.LogInformation("resume=True but {WorkDir} has no last_checkpoint; training from scratch.", WorkDir);
                return;
            }
            Logger.LogInformation("Auto resumed from the latest checkpoint {Path}.", loadFrom);
        }
        if (loadFrom is null) return;
        if (resume) Resume(loadFrom);
        else LoadCheckpoint(loadFrom);
    }

    /// <summary>The path in <c>work_dir/last_checkpoint</c>, or null when there is none.</summary>
    public static string? FindLatestCheckpoint(string workDir)
    {
        string pointer = Path.Combine(workDir, "last_checkpoint");
        if (!File.Exists(pointer)) return null;
        string path = File.ReadAllText(pointer).Trim();
        return path.Length > 0 ? path : null;
    }

    /// <summary>Loads the weights only (<c>load_from</c>); progress, optimizer and schedulers stay as they are.</summary>
    public void LoadCheckpoint(string path)
    {
        using var scope = torch.NewDisposeScope();
        var checkpoint = ReadCheckpoint(path);
        HookList.Call(h => h.AfterLoadCheckpoint(this, new CheckpointArgs(new StringKeyView(checkpoint))));
        var stateDict = checkpoint.TryGetValue("state_dict", out var sd) && sd is PyDict d ? d : checkpoint;
        var result = StateDictConverter.LoadInto(Model, stateDict, strict: false, source: path);
        if (result.FormatMessage() is { } message) Logger.LogWarning("{Message}", message);
        Logger.LogInformation("Load checkpoint from {Path}", path);
    }

    /// <summary>
    /// Resumes training (MMEngine's <c>resume</c>): weights, epoch and iteration, optimizer state, message hub.
    /// A seed in the checkpoint that differs from the config's is logged; the checkpoint's wins, as in MMEngine.
    /// </summary>
    public void Resume(string path)
    {
        using var scope = torch.NewDisposeScope();
        var checkpoint = ReadCheckpoint(path);
        HookList.Call(h => h.AfterLoadCheckpoint(this, new CheckpointArgs(new StringKeyView(checkpoint))));
        var meta = checkpoint.TryGetValue("meta", out var m) && m is PyDict md ? md
            : throw new KilnException($"{path} has no 'meta' dict, so training cannot resume from it; use load_from to load its weights only.");
        if (_trainLoop is not null)
        {
            _trainLoop.Epoch = (int)(meta.TryGetValue("epoch", out var e) && e is long el ? el : 0);
            _trainLoop.Iter = (int)(meta.TryGetValue("iter", out var i) && i is long il ? il : 0);
        }
        if (meta.TryGetValue("seed", out var s) && s is long seed && seed != Seed)
            Logger.LogWarning("The seed in the checkpoint ({CheckpointSeed}) differs from the config's ({Seed}); the checkpoint's is used.", seed, Seed);

        var stateDict = checkpoint.TryGetValue("state_dict", out var sd) && sd is PyDict d ? d
            : throw new KilnException($"{path} has no 'state_dict'.");
        var result = StateDictConverter.LoadInto(Model, stateDict, strict: false, source: path);
        if (result.FormatMessage() is { } message) Logger.LogWarning("{Message}", message);
        if (_optimWrapper is not null && checkpoint.TryGetValue("optimizer", out var o) && o is PyDict optimizerState)
            _optimWrapper.LoadStateDict(optimizerState, path);
        if (_paramSchedulers is not null && checkpoint.TryGetValue("param_schedulers", out var ps) && ps is List<object?> schedulerStates)
        {
            // MMEngine's load_scheduler_state_dict: zip, so extra or missing entries are ignored.
            foreach (var (scheduler, state) in _paramSchedulers.Zip(schedulerStates))
                if (state is PyDict schedulerState) scheduler.LoadStateDict(schedulerState);
        }
        if (checkpoint.TryGetValue("message_hub", out var hub) && hub is PyDict hubState)
            MessageHubState.LoadStateDict(MessageHub, hubState);
        Logger.LogInformation("resumed epoch: {Epoch}, iter: {Iter}", Epoch, Iter);
    }

    private static PyDict ReadCheckpoint(string path)
    {
        if (!File.Exists(path)) throw new KilnException($"checkpoint '{path}' does not exist.");
        return CheckpointFile.Load(path) as PyDict
            ?? throw new KilnException($"{path} does not hold a dict; a Kiln or MMEngine checkpoint is a dict with 'meta' and 'state_dict'.");
    }
}
