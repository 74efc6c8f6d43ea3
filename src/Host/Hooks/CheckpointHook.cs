using System.Globalization;
using System.Security.Cryptography;
using Kiln.Checkpoints;
using Kiln.Registry;
using Microsoft.Extensions.Logging;

namespace Kiln.Hooks;

/// <summary>
/// MMEngine's <c>CheckpointHook</c> (HOOK-05, CKPT-04): saves <c>epoch_N.pth</c> (or <c>iter_N.pth</c>) every
/// <see cref="Interval"/> epochs (iterations) counted from <see cref="SaveBegin"/>, and at the end when
/// <see cref="SaveLast"/>; writes the newest path to <c>work_dir/last_checkpoint</c>; keeps at most
/// <see cref="MaxKeepCkpts"/> files (ids in the message hub's <c>keep_ckpt_ids</c>, so a resumed run goes on
/// deleting the old ones). <c>save_best</c> keeps <c>best_{key}_{filename_tmpl(n)}</c> for each key with its rule
/// (<c>'auto'</c> = the first metric; rules inferred from the key name), with <c>best_score</c>/<c>best_ckpt</c>
/// (<c>best_score_{key}</c>/<c>best_ckpt_{key}</c> for several keys) in the message hub's runtime info.
/// <c>published_keys</c> re-saves the last and best checkpoints after training with only those keys, as
/// <c>{name}-{sha256[:8]}.pth</c>. Only the main process writes files.
/// </summary>
[Register(Registries.Hooks)]
public sealed class CheckpointHook : Hook
{
    private static readonly string[] DefaultGreaterKeys = ["acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc"];
    private static readonly string[] DefaultLessKeys = ["loss"];

    private readonly string? _outDirArg;
    private readonly IReadOnlyList<string?> _ruleArgs;
    private readonly Dictionary<string, string?> _bestCkptPaths = new(StringComparer.Ordinal);
    private List<string> _keyIndicators = [];
    private List<string?> _rules = [];
    private List<int> _keepCkptIds = [];

    public CheckpointHook(int interval = -1, bool byEpoch = true, bool saveOptimizer = true, bool saveParamScheduler = true,
        string? outDir = null, int maxKeepCkpts = -1, bool saveLast = true, object? saveBest = null,
        object? rule = null, object? greaterKeys = null, object? lessKeys = null,
        string? filenameTmpl = null, object? publishedKeys = null, int saveBegin = 0)
    {
        var saveBestList = StringList(saveBest, "save_best");
        var ruleList = StringList(rule, "rule");
        if (saveBegin < 0) throw new KilnException($"CheckpointHook.save_begin should not be less than 0, but got {saveBegin}.");
        Interval = interval;
        ByEpoch = byEpoch;
        SaveOptimizer = saveOptimizer;
        SaveParamScheduler = saveParamScheduler;
        _outDirArg = outDir;
        MaxKeepCkpts = maxKeepCkpts;
        SaveLast = saveLast;
        FilenameTmpl = filenameTmpl ?? (byEpoch ? "epoch_{}.pth" : "iter_{}.pth");
        // Python's str.format with one argument: no "{}" names one file every time (a rolling 'latest.pth'), two fail.
        if (CountOf(FilenameTmpl, "{}") > 1)
            throw new KilnException($"CheckpointHook.filename_tmpl = '{FilenameTmpl}' may contain at most one \"{{}}\" (replaced by the epoch or iteration), e.g. 'epoch_{{}}.pth'.");
        SaveBegin = saveBegin;
        GreaterKeys = StringList(greaterKeys, "greater_keys") ?? DefaultGreaterKeys;
        LessKeys = StringList(lessKeys, "less_keys") ?? DefaultLessKeys;

        if (saveBestList is not null)
        {
            if (saveBestList.Contains("auto") && saveBestList.Count != 1)
                throw new KilnException($"CheckpointHook.save_best = [{Join(saveBestList)}]: only support one \"auto\" in \"save_best\" list.");
            if (saveBestList.Distinct(StringComparer.Ordinal).Count() != saveBestList.Count)
                throw new KilnException($"CheckpointHook.save_best = [{Join(saveBestList)}]: find duplicate element in \"save_best\".");
            SaveBest = saveBestList;
        }
        _ruleArgs = ruleList is null ? new List<string?> { null } : ruleList.Select(r => (string?)r).ToList();
        if (ruleList is not null && _ruleArgs.Count != 1 && _ruleArgs.Count != (saveBestList?.Count ?? 1))
            throw new KilnException($"CheckpointHook.rule: number of \"rule\" must be 1 or the same as number of \"save_best\" ({saveBestList?.Count ?? 0}), but got {ruleList.Count}.");
        if (SaveBest is not null)
        {
            InitRule(_ruleArgs, SaveBest);
            foreach (var key in _keyIndicators) _bestCkptPaths[key] = null;
        }

        var published = StringList(publishedKeys, "published_keys");
        if (published is not null && published.Distinct(StringComparer.Ordinal).Count() != published.Count)
            throw new KilnException($"CheckpointHook.published_keys = [{Join(published)}]: find duplicate elements in \"published_keys\".");
        PublishedKeys = published;
    }

    public int Interval { get; }

    public bool ByEpoch { get; }

    public bool SaveOptimizer { get; }

    public bool SaveParamScheduler { get; }

    /// <summary>Where checkpoints go: <c>work_dir</c>, or <c>out_dir/&lt;basename of work_dir&gt;</c>; set by <see cref="BeforeTrain"/>.</summary>
    public string? OutDir { get; private set; }

    public int MaxKeepCkpts { get; }

    public bool SaveLast { get; }

    public string FilenameTmpl { get; }

    public int SaveBegin { get; }

    /// <summary>The <c>save_best</c> keys as given (a string becomes a one-item list), or null.</summary>
    public IReadOnlyList<string>? SaveBest { get; }

    public IReadOnlyList<string> GreaterKeys { get; }

    public IReadOnlyList<string> LessKeys { get; }

    public IReadOnlyList<string>? PublishedKeys { get; }

    /// <summary>The metric keys watched for the best checkpoint (MMEngine's <c>key_indicators</c>; <c>'auto'</c> until the first validation).</summary>
    public IReadOnlyList<string> KeyIndicators => _keyIndicators;

    /// <summary>'greater' or 'less' per key (null for <c>'auto'</c> until the first validation).</summary>
    public IReadOnlyList<string?> Rules => _rules;

    /// <summary>The best checkpoint per key (null before one is saved).</summary>
    public IReadOnlyDictionary<string, string?> BestCkptPaths => _bestCkptPaths;

    /// <summary>The path of the newest regular checkpoint this hook saved.</summary>
    public string? LastCkpt { get; private set; }

    public override int Priority => HookPriority.VeryLow;

    public override void BeforeTrain(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        string workDir = runner.WorkDir;
        OutDir = _outDirArg is null || PathsEqual(_outDirArg, workDir)
            ? workDir
            : Path.Combine(_outDirArg, Path.GetFileName(workDir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)));
        runner.Logger.LogInformation("Checkpoints will be saved to {OutDir}.", OutDir);

        if (SaveBest is not null)
            foreach (var key in _keyIndicators)
                _bestCkptPaths[key] = runner.MessageHub.RuntimeInfo.TryGetValue(BestCkptKey(key), out var p) ? p as string : null;

        if (MaxKeepCkpts > 0)
        {
            var ids = runner.MessageHub.RuntimeInfo.TryGetValue("keep_ckpt_ids", out var stored) ? ToIds(stored) : [];
            while (ids.Count > MaxKeepCkpts)
            {
                int step = ids[0];
                ids.RemoveAt(0);
                if (Distributed.Dist.IsMainProcess) DeleteCheckpoint(Path.Combine(OutDir, Format(FilenameTmpl, step)));
            }
            _keepCkptIds = ids;
        }
    }

    public override void AfterTrainEpoch(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (!ByEpoch) return;
        if (EveryN(runner.Epoch + 1) || (SaveLast && runner.Epoch + 1 == runner.MaxEpochs))
        {
            runner.Logger.LogInformation("Saving checkpoint at {Epoch} epochs", runner.Epoch + 1);
            SaveCheckpoint(runner);
        }
    }

    public override void AfterTrainIter(IRunnerContext runner, TrainIterArgs args)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (ByEpoch) return;
        if (EveryN(runner.Iter + 1) || (SaveLast && runner.Iter + 1 == runner.MaxIters))
        {
            runner.Logger.LogInformation("Saving checkpoint at {Iter} iterations", runner.Iter + 1);
            SaveCheckpoint(runner);
        }
    }

    public override void AfterValEpoch(IRunnerContext runner, MetricsArgs args)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Metrics.Count == 0)
        {
            runner.Logger.LogWarning("Since `metrics` is an empty dict, the behavior to save the best checkpoint will be skipped in this evaluation.");
            return;
        }
        SaveBestCheckpoint(runner, args.Metrics);
    }

    /// <summary>MMEngine's <c>after_train</c>: publishes the last and the best checkpoints when <c>published_keys</c> is set.</summary>
    public override void AfterTrain(IRunnerContext runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (PublishedKeys is null) return;
        if (SaveLast && LastCkpt is not null) PublishModel(runner, LastCkpt);
        foreach (var best in _bestCkptPaths.Values)
            if (best is not null) PublishModel(runner, best);
    }

    /// <summary>MMEngine's <c>every_n_epochs</c>/<c>every_n_train_iters</c> with <c>start=save_begin</c>.</summary>
    private bool EveryN(int count) => Interval > 0 && count - SaveBegin >= 0 && (count - SaveBegin) % Interval == 0;

    private void SaveCheckpoint(IRunnerContext runner)
    {
        if (ByEpoch) SaveCheckpointWithStep(runner, runner.Epoch + 1, (runner.Epoch + 1, runner.Iter));
        else SaveCheckpointWithStep(runner, runner.Iter + 1, (runner.Epoch, runner.Iter + 1));
    }

    /// <summary>MMEngine's <c>_save_checkpoint_with_step</c>: drop the oldest kept id first, then save, then <c>last_checkpoint</c>.</summary>
    private void SaveCheckpointWithStep(IRunnerContext runner, int step, (int Epoch, int Iter) meta)
    {
        string outDir = RequireOutDir();
        if (MaxKeepCkpts > 0 && !(_keepCkptIds.Count > 0 && _keepCkptIds[^1] == step))
        {
            if (_keepCkptIds.Count >= MaxKeepCkpts)
            {
                int old = _keepCkptIds[0];
                _keepCkptIds.RemoveAt(0);
                // A template without "{}" names the same file every time: it is overwritten atomically, never deleted.
                if (Distributed.Dist.IsMainProcess && Format(FilenameTmpl, old) != Format(FilenameTmpl, step))
                    DeleteCheckpoint(Path.Combine(outDir, Format(FilenameTmpl, old)));
            }
            _keepCkptIds.Add(step);
            runner.MessageHub.UpdateInfo("keep_ckpt_ids", _keepCkptIds.ToList());
        }

        string fileName = Format(FilenameTmpl, step);
        LastCkpt = Path.Combine(outDir, fileName);
        runner.MessageHub.UpdateInfo("last_ckpt", LastCkpt);
        Save(runner, outDir, fileName, SaveOptimizer, SaveParamScheduler, ByEpoch, meta);
        if (!Distributed.Dist.IsMainProcess) return;
        IO.AtomicFile.WriteAllText(Path.Combine(runner.WorkDir, "last_checkpoint"), LastCkpt);
    }

    /// <summary>MMEngine's <c>_save_best_checkpoint</c>.</summary>
    private void SaveBestCheckpoint(IRunnerContext runner, IReadOnlyDictionary<string, double> metrics)
    {
        if (SaveBest is null) return;
        string outDir = RequireOutDir();
        int curTime = ByEpoch ? runner.Epoch : runner.Iter;
        string curType = ByEpoch ? "epoch" : "iter";
        string ckptFilename = Format(FilenameTmpl, curTime);
        var meta = (runner.Epoch, runner.Iter);

        if (_keyIndicators.Contains("auto"))
        {
            string first = metrics.Keys.First();
            _bestCkptPaths.Remove("auto", out var resumedPath);
            InitRule(_rules, [first]);
            _bestCkptPaths[first] = resumedPath;
        }

        bool updated = false;
        for (int k = 0; k < _keyIndicators.Count; k++)
        {
            string key = _keyIndicators[k];
            string rule = _rules[k]!;
            if (!metrics.TryGetValue(key, out double score))
                throw new KilnException($"CheckpointHook.save_best: the metric '{key}' is not among the evaluation results ({string.Join(", ", metrics.Keys.Select(m => $"'{m}'"))}); set save_best to one of them or 'auto'.");
            string scoreKey = _keyIndicators.Count == 1 ? "best_score" : $"best_score_{key}";
            double best = runner.MessageHub.RuntimeInfo.TryGetValue(scoreKey, out var stored) && stored is not null
                ? Convert.ToDouble(stored, CultureInfo.InvariantCulture)
                : rule == "greater" ? double.NegativeInfinity : double.PositiveInfinity;
            if (!(rule == "greater" ? score > best : score < best)) continue;

            updated = true;
            runner.MessageHub.UpdateInfo(scoreKey, score);
            if (_bestCkptPaths.GetValueOrDefault(key) is { Length: > 0 } previous && Distributed.Dist.IsMainProcess && DeleteCheckpoint(previous))
                runner.Logger.LogInformation("The previous best checkpoint {Path} is removed", previous);

            string bestName = $"best_{key}_{ckptFilename}".Replace('/', '_');
            string bestPath = Path.Combine(outDir, bestName);
            _bestCkptPaths[key] = bestPath;
            runner.MessageHub.UpdateInfo(BestCkptKey(key), bestPath);
            Save(runner, outDir, bestName, saveOptimizer: false, saveParamScheduler: false, byEpoch: false, meta);
            runner.Logger.LogInformation("The best checkpoint with {Score} {Key} at {Time} {Type} is saved to {Name}.",
                score.ToString("F4", CultureInfo.InvariantCulture), key, curTime, curType, bestName);
        }

        // MMEngine saves the regular checkpoint again so the best_score/best_ckpt it holds are the current ones.
        if (updated && LastCkpt is not null) SaveCheckpointWithStep(runner, curTime, meta);
    }

    private string BestCkptKey(string key) => _keyIndicators.Count == 1 ? "best_ckpt" : $"best_ckpt_{key}";

    /// <summary>
    /// MMEngine's <c>_init_rule</c>: one rule for every key, or one per key; a missing rule is inferred from the key
    /// name (case-insensitive): an exact greater key, an exact less key, then a greater key inside it, then a less key.
    /// </summary>
    private void InitRule(IReadOnlyList<string?> rules, IReadOnlyList<string> keys)
    {
        if (rules.Count == 1) rules = Enumerable.Repeat(rules[0], keys.Count).ToList();
        var resolved = new List<string?>();
        for (int i = 0; i < keys.Count; i++)
        {
            string? rule = rules[i];
            string key = keys[i];
            if (rule is not null and not ("greater" or "less"))
                throw new KilnException($"CheckpointHook.rule: rule must be greater, less or None, but got {rule}.");
            if (rule is null && key != "auto")
            {
                string lc = key.ToLowerInvariant();
                var greater = GreaterKeys.Select(g => g.ToLowerInvariant()).ToList();
                var less = LessKeys.Select(l => l.ToLowerInvariant()).ToList();
                rule = greater.Contains(lc) ? "greater"
                    : less.Contains(lc) ? "less"
                    : greater.Any(g => lc.Contains(g, StringComparison.Ordinal)) ? "greater"
                    : less.Any(l => lc.Contains(l, StringComparison.Ordinal)) ? "less"
                    : throw new KilnException($"CheckpointHook: cannot infer the rule for key {key}, thus a specific rule must be specified (rule='greater' or rule='less').");
            }
            resolved.Add(rule);
        }
        _rules = resolved;
        _keyIndicators = keys.ToList();
    }

    /// <summary>MMEngine's <c>_publish_model</c>: keep only <c>published_keys</c>, name the file after the content's SHA-256.</summary>
    private void PublishModel(IRunnerContext runner, string ckptPath)
    {
        if (!Distributed.Dist.IsMainProcess || PublishedKeys is null) return;
        if (CheckpointFile.Load(ckptPath) is not PyDict checkpoint)
            throw new KilnException($"CheckpointHook.published_keys: {ckptPath} does not hold a dict, so it cannot be published.");
        var removed = checkpoint.Keys.OfType<string>().Where(k => !PublishedKeys.Contains(k)).ToList();
        foreach (var key in removed) checkpoint.Remove(key);
        if (removed.Count > 0)
        {
            string list = "[" + string.Join(", ", removed.Select(k => $"'{k}'")) + "]";
            runner.Logger.LogInformation("Key {Removed} will be removed because they are not found in published_keys. If you want to keep them, please set `{Removed2}` in published_keys", list, list);
        }
        // MMEngine hashes pickle.dumps(checkpoint); Kiln hashes the bytes of the file it writes (same content, Kiln's serialisation).
        string tmp = Path.Combine(Path.GetDirectoryName(ckptPath) ?? ".", $".publish-{Guid.NewGuid():N}.pth");
        CheckpointFile.Save(tmp, checkpoint, CheckpointFormat.PyTorch);
        string sha;
        using (var stream = File.OpenRead(tmp)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        string finalPath = Path.Combine(Path.GetDirectoryName(ckptPath) ?? ".", Path.GetFileNameWithoutExtension(ckptPath) + $"-{sha[..8]}.pth");
        File.Move(tmp, finalPath, overwrite: true);
        runner.Logger.LogInformation("The checkpoint ({Path}) is published to {Final}.", ckptPath, finalPath);
    }

    private static void Save(IRunnerContext runner, string dir, string fileName, bool saveOptimizer, bool saveParamScheduler, bool byEpoch, (int Epoch, int Iter) meta)
    {
        if (runner is IHostRunnerContext host) host.SaveCheckpoint(dir, fileName, saveOptimizer, saveParamScheduler, byEpoch, meta);
        else runner.SaveCheckpoint(dir, fileName, saveOptimizer, saveParamScheduler, byEpoch);
    }

    private string RequireOutDir() => OutDir
        ?? throw new InvalidOperationException("CheckpointHook saves after BeforeTrain has set its out_dir.");

    private static bool DeleteCheckpoint(string path)
    {
        if (File.Exists(path)) { File.Delete(path); return true; }
        if (Directory.Exists(path)) { Directory.Delete(path, recursive: true); return true; }
        return false;
    }

    private static List<int> ToIds(object? stored) => stored is System.Collections.IEnumerable items and not string
        ? items.Cast<object?>().Select(i => Convert.ToInt32(i, CultureInfo.InvariantCulture)).ToList()
        : [];

    private static string Format(string template, int value) =>
        template.Replace("{}", value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    /// <summary>MMEngine's "a str or a list of str": a string becomes a one-item list; anything else is an error naming the key.</summary>
    private static IReadOnlyList<string>? StringList(object? value, string key) => value switch
    {
        null => null,
        string s => [s],
        IEnumerable<string> items => items.ToList(),
        System.Collections.IEnumerable items when items.Cast<object?>().All(i => i is string) => items.Cast<string>().ToList(),
        _ => throw new KilnException($"CheckpointHook.{key} should be a str or list of str or None, but got {Kiln.Config.ConfigFormatter.Format(value)}."),
    };

    private static string Join(IEnumerable<string> items) => string.Join(", ", items.Select(i => $"'{i}'"));
}
