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
    public void SaveCheckpoint(string directory, string fileName, bool saveOptimizer = true, bool saveParamScheduler = true, bool byEpoch = true) =>
        SaveCheckpoint(directory, fileName, saveOptimizer, saveParamScheduler, byEpoch ? (Epoch + 1, Iter) : (Epoch, Iter + 1));

    void IHostRunnerContext.SaveCheckpoint(string directory, string fileName, bool saveOptimizer, bool saveParamScheduler, bool byEpoch, (int Epoch, int Iter) meta) =>
        SaveCheckpoint(directory, fileName, saveOptimizer, saveParamScheduler, meta);

    private void SaveCheckpoint(string directory, string fileName, bool saveOptimizer, bool saveParamScheduler, (int Epoch, int Iter) progress)
    {
        // MMEngine's save_checkpoint is master_only: rank 0 writes, the others' weights are the same.
        if (!Distributed.Dist.IsMainProcess) return;
        using var scope = torch.NewDisposeScope();
        var meta = new PyDict
        {
            ["epoch"] = (long)progress.Epoch,
            ["iter"] = (long)progress.Iter,
            ["cfg"] = ConfigText,
            ["seed"] = (long)Seed,
            ["experiment_name"] = ExperimentName,
            ["time"] = DateTime.Now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture),
            ["kiln_version"] = KilnVersion.Current,
            ["torchsharp_version"] = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "",
            ["libtorch_version"] = torch.__version__,
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
            checkpoint["param_schedulers"] = ParamSchedulerStates();
        // Exact resume (Kiln-only keys; MMEngine ignores unknown keys): the random states and where the data stood.
        checkpoint[RandomStates.Key] = RandomStates.Capture();
        if (_trainLoop is not null)
            checkpoint[DataloaderKey] = DataloaderPosition(_trainLoop, (long)meta["iter"]!);

        var args = new CheckpointArgs(new StringKeyView(checkpoint));
        HookList.Call(h => h.BeforeSaveCheckpoint(this, args));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName);
        CheckpointFile.Save(path, checkpoint);
    }

    /// <summary>The checkpoint key holding where the train dataloader stood (Kiln-only; used to check the data on resume).</summary>
    internal const string DataloaderKey = "dataloader";

    private static PyDict DataloaderPosition(Loops.TrainLoop loop, long iterationsDone)
    {
        long batches = Math.Max(loop.Dataloader.Count, 1);
        return new PyDict
        {
            ["pass"] = iterationsDone / batches,
            ["consumed_batches"] = iterationsDone % batches,
            ["num_batches"] = (long)loop.Dataloader.Count,
            ["batch_size"] = (long)loop.Dataloader.BatchSize,
            ["num_samples"] = (long)loop.Dataloader.Sampler.Count,
        };
    }

    /// <summary>
    /// MMEngine's <c>load_or_resume</c>: with <c>resume=True</c> and no <c>load_from</c>, resume from the checkpoint
    /// named in <c>work_dir/last_checkpoint</c> (train from scratch when there is none), verified first and replaced
    /// by the newest intact checkpoint beside it when damaged; with <c>resume='path'</c>, or <c>resume=True</c> and
    /// <c>load_from</c>, resume from that file; with only <c>load_from</c>, load the weights alone. Paths may be
    /// <c>http(s)://</c> URLs (downloaded to <see cref="CheckpointLoader.CacheDirectory"/>).
    /// </summary>
    private void LoadOrResume()
    {
        if (_hasLoaded) return;
        _hasLoaded = true;
        var resumeValue = Cfg.Get("resume");
        var loadFrom = Cfg.Get("load_from") as string;
        bool resume = resumeValue is true;
        if (resumeValue is string resumePath)
        {
            resume = true;
            loadFrom = resumePath;
        }
        else if (resumeValue is not (null or bool))
        {
            throw new KilnException($"resume = {Config.ConfigFormatter.Format(resumeValue)} must be True, False or a checkpoint path.");
        }

        if (resume && loadFrom is null)
        {
            loadFrom = FindLatestIntactCheckpoint(WorkDir);
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

    /// <summary>The path in <c>work_dir/last_checkpoint</c>, or null when there is none (MMEngine's <c>find_latest_checkpoint</c>).</summary>
    public static string? FindLatestCheckpoint(string workDir)
    {
        string pointer = Path.Combine(workDir, "last_checkpoint");
        if (!File.Exists(pointer)) return null;
        string path = File.ReadAllText(pointer).Trim();
        return path.Length > 0 ? path : null;
    }

    /// <summary>
    /// <see cref="FindLatestCheckpoint"/>, verified (<see cref="CheckpointFile.Verify"/>: every zip record's CRC,
    /// then a full load). When the named checkpoint is missing or damaged, the newest intact <c>.pth</c> or
    /// <c>.safetensors</c> in its folder (by write time) is used instead and a warning names both files; when none is
    /// intact, this throws naming them all.
    /// </summary>
    public string? FindLatestIntactCheckpoint(string workDir)
    {
        var latest = FindLatestCheckpoint(workDir);
        if (latest is null) return null;
        if (latest.Contains("://", StringComparison.Ordinal)) return latest;
        var problem = CheckpointFile.Verify(latest);
        if (problem is null) return latest;

        string folder = Path.GetDirectoryName(Path.GetFullPath(latest))!;
        var candidates = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder)
                .Where(f => (f.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                    && !Path.GetFileName(f).StartsWith('.')
                    && !string.Equals(Path.GetFullPath(f), Path.GetFullPath(latest), StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc).ThenByDescending(f => f, StringComparer.Ordinal).ToList()
            : [];
        var rejected = new List<string> { $"{latest} ({problem})" };
        foreach (var candidate in candidates)
        {
            var why = CheckpointFile.Verify(candidate);
            if (why is null)
            {
                Logger.LogWarning("The latest checkpoint {Latest} cannot be used ({Problem}); resuming from the previous intact checkpoint {Previous} instead.",
                    latest, problem, candidate);
                return candidate;
            }
            rejected.Add($"{candidate} ({why})");
        }
        throw new KilnException($"resume=True: no intact checkpoint to resume from in {folder}: {string.Join("; ", rejected)}. "
            + "Set resume=False to train from scratch, or resume='path' to name a checkpoint.");
    }

    /// <summary>
    /// Loads the weights only (<c>load_from</c>; MMEngine's <c>Runner.load_checkpoint</c> with <c>strict=False</c> and
    /// <c>revise_keys=[(r'^module.', '')]</c>); progress, optimizer and schedulers stay as they are.
    /// </summary>
    public void LoadCheckpoint(string path, bool strict = false, IReadOnlyList<(string Pattern, string Replacement)>? reviseKeys = null)
    {
        using var scope = torch.NewDisposeScope();
        var checkpoint = ReadCheckpoint(path);
        HookList.Call(h => h.AfterLoadCheckpoint(this, new CheckpointArgs(new StringKeyView(checkpoint))));
        var stateDict = CheckpointLoader.StateDictOf(checkpoint, path);
        stateDict = CheckpointLoader.ReviseKeys(stateDict, reviseKeys ?? [(@"^module\.", "")], path);
        CheckpointLoader.LoadStateDict(Model, stateDict, strict, path, Logger);
        Logger.LogInformation("Load checkpoint from {Path}", path);
    }

    /// <summary>
    /// Resumes training (MMEngine's <c>resume</c>): weights, epoch and iteration, optimizer state (with the AMP loss
    /// scaler), parameter schedulers, message hub, and, from Kiln checkpoints, the random-number states, so the
    /// run continues exactly where it stopped. The train loops start the interrupted pass of the dataloader at the
    /// first batch not yet trained on (MMEngine replays the whole epoch, or loads and drops the consumed batches).
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
            if (checkpoint.TryGetValue(DataloaderKey, out var dl) && dl is PyDict position
                && position.TryGetValue("num_batches", out var nb) && nb is long savedBatches && savedBatches != _trainLoop.Dataloader.Count)
                Logger.LogWarning("{Path} was saved with {Saved} train batches per epoch, the train dataloader now has {Now}; "
                    + "training resumes at iteration {Iter}, so the data order differs from the interrupted run.", path, savedBatches, _trainLoop.Dataloader.Count, _trainLoop.Iter);
        }
        if (meta.TryGetValue("seed", out var s) && s is long seed && seed != Seed)
            Logger.LogWarning("The seed in the checkpoint ({CheckpointSeed}) differs from the config's ({Seed}); the checkpoint's is used.", seed, Seed);

        var stateDict = checkpoint.TryGetValue("state_dict", out var sd) && sd is PyDict d ? d
            : throw new KilnException($"{path} has no 'state_dict'.");
        CheckpointLoader.LoadStateDict(Model, stateDict, strict: false, path, Logger);
        if (_optimWrapper is not null && checkpoint.TryGetValue("optimizer", out var o) && o is PyDict optimizerState)
            _optimWrapper.LoadStateDict(optimizerState, path);
        if (_paramSchedulers is not null && checkpoint.TryGetValue("param_schedulers", out var ps))
            LoadParamSchedulerStates(ps, path);
        if (checkpoint.TryGetValue("message_hub", out var hub) && hub is PyDict hubState)
            MessageHubState.LoadStateDict(MessageHub, hubState);
        if (checkpoint.TryGetValue(RandomStates.Key, out var rng) && rng is PyDict rngState)
        {
            var skipped = RandomStates.Restore(rngState, path);
            if (skipped.Count > 0)
                Logger.LogWarning("{Path}: the random state(s) {Parts} could not be restored; random draws after resuming differ from an uninterrupted run.", path, string.Join(", ", skipped));
        }
        else
        {
            Logger.LogInformation("{Path} holds no random states (not saved by Kiln); random draws after resuming differ from an uninterrupted run.", path);
        }
        Logger.LogInformation("resumed epoch: {Epoch}, iter: {Iter}", Epoch, Iter);
    }

    private PyDict ReadCheckpoint(string path)
    {
        var local = CheckpointLoader.LocalPath(path, Logger);
        if (!File.Exists(local)) throw new KilnException($"checkpoint '{path}' does not exist.");
        return CheckpointFile.Load(local) as PyDict
            ?? throw new KilnException($"{path} does not hold a dict; a Kiln or MMEngine checkpoint is a dict with 'meta' and 'state_dict'.");
    }
}
