using Kiln.Config;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>CheckpointHook</c>: saves <c>epoch_N.pth</c> (or <c>iter_N.pth</c>) every <see cref="Interval"/>
/// epochs (iterations) from <see cref="SaveBegin"/>, and at the end when <see cref="SaveLast"/>; writes the
/// newest path to <c>work_dir/last_checkpoint</c>; keeps at most <see cref="MaxKeepCkpts"/> files.
/// Saves are atomic (<c>Runner.SaveCheckpoint</c>). Not built yet (issue 7): <c>save_best</c>, <c>published_keys</c>.
/// </summary>
[Register(Registries.Hooks)]
public sealed class CheckpointHook : Hook
{
    private readonly List<string> _kept = [];

    public CheckpointHook(int interval = -1, bool byEpoch = true, bool saveOptimizer = true, bool saveParamScheduler = true,
        string? outDir = null, int maxKeepCkpts = -1, bool saveLast = true, string? filenameTmpl = null, int saveBegin = 0,
        object? saveBest = null, IReadOnlyList<string>? publishedKeys = null)
    {
        if (saveBest is not null || publishedKeys is not null)
            throw new KilnException("CheckpointHook: save_best and published_keys are not built yet in Kiln (issue 7); remove them from default_hooks.checkpoint.");
        if (saveBegin < 0) throw new KilnException($"CheckpointHook.save_begin must be 0 or more, got {saveBegin}.");
        Interval = interval;
        ByEpoch = byEpoch;
        SaveOptimizer = saveOptimizer;
        SaveParamScheduler = saveParamScheduler;
        OutDir = outDir;
        MaxKeepCkpts = maxKeepCkpts;
        SaveLast = saveLast;
        FilenameTmpl = filenameTmpl ?? (byEpoch ? "epoch_{}.pth" : "iter_{}.pth");
        SaveBegin = saveBegin;
    }

    public int Interval { get; }

    public bool ByEpoch { get; }

    public bool SaveOptimizer { get; }

    public bool SaveParamScheduler { get; }

    public string? OutDir { get; }

    public int MaxKeepCkpts { get; }

    public bool SaveLast { get; }

    public string FilenameTmpl { get; }

    public int SaveBegin { get; }

    public override int Priority => HookPriority.VeryLow;

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        if (!ByEpoch) return;
        if (Every(runner.Epoch + 1) || (SaveLast && runner.Epoch + 1 == runner.MaxEpochs))
            Save(runner, runner.Epoch + 1);
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        if (ByEpoch) return;
        if (Every(runner.Iter + 1) || (SaveLast && runner.Iter + 1 == runner.MaxIters))
            Save(runner, runner.Iter + 1);
    }

    /// <summary>MMEngine's <c>every_n_epochs</c>/<c>every_n_train_iters</c> with <c>save_begin</c>.</summary>
    private bool Every(int count) => Interval > 0 && count - SaveBegin >= 0 && (count - SaveBegin) % Interval == 0;

    private void Save(IRunnerContext runner, int index)
    {
        string dir = OutDir is null ? runner.WorkDir : Path.Combine(OutDir, Path.GetFileName(runner.WorkDir));
        string fileName = FilenameTmpl.Replace("{}", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        runner.SaveCheckpoint(dir, fileName, SaveOptimizer, SaveParamScheduler, ByEpoch);
        string path = Path.Combine(dir, fileName);
        runner.MessageHub.UpdateInfo("last_ckpt", path);
        if (!Distributed.Dist.IsMainProcess) return; // rank 0 writes and removes checkpoint files
        IO.AtomicFile.WriteAllText(Path.Combine(runner.WorkDir, "last_checkpoint"), path);

        _kept.Add(path);
        if (MaxKeepCkpts > 0)
            while (_kept.Count > MaxKeepCkpts)
            {
                string old = _kept[0];
                _kept.RemoveAt(0);
                if (File.Exists(old)) File.Delete(old);
                runner.Logger.LogInformation("Removed checkpoint {Path} (max_keep_ckpts={Max}).", old, MaxKeepCkpts);
            }
        runner.MessageHub.UpdateInfo("keep_ckpt_ids", _kept.ToList());
    }
}
