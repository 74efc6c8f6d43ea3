using System.Globalization;
using System.Text.Json;
using Kiln.IO;

namespace Kiln.Serve;

/// <summary>
/// The jobs folder of <c>kiln serve</c>: <c>queue/</c> (drop a config file here to submit it), and one folder per job,
/// <c>&lt;id&gt;/</c>, holding <c>job.json</c> (its state, rewritten atomically on every change), its config, its chart
/// points (<c>points.jsonl</c>) and its work directory <c>work/</c>. Everything is read back on start, so a restart
/// loses nothing; a job that was running when the process died resumes from its work directory's last checkpoint.
/// </summary>
public sealed class JobStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly string[] ConfigExtensions = [".py", ".json", ".yaml", ".yml"];
    private readonly object _gate = new();
    private readonly List<JobRecord> _jobs = [];
    private readonly Dictionary<string, List<ChartPoint>> _loss = [];
    private readonly Dictionary<string, Dictionary<string, List<ChartPoint>>> _metrics = [];
    private int _next;

    /// <param name="validate">Checks a config file with its <c>--cfg-options</c>; returns the problems (none: valid).</param>
    public JobStore(string root, Func<string, string[], IReadOnlyList<string>> validate)
    {
        Root = Path.GetFullPath(root);
        Validate = validate;
        Directory.CreateDirectory(QueueDir);
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            string file = Path.Combine(dir, "job.json");
            if (!File.Exists(file)) continue;
            var job = JsonSerializer.Deserialize<JobRecord>(File.ReadAllText(file), Json)
                ?? throw new KilnException($"{file} is not a job record.");
            if (job.State == JobState.Running)
            {
                // The process ended without a graceful stop: resume from the last checkpoint the run wrote, if any.
                job.State = JobState.Interrupted;
                job.ResumeFrom = Runner.FindLatestCheckpoint(job.WorkDir);
                Save(job);
            }
            _jobs.Add(job);
            LoadPoints(job.Id);
            if (int.TryParse(job.Id, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) _next = Math.Max(_next, n);
        }
    }

    public string Root { get; }

    public string QueueDir => Path.Combine(Root, "queue");

    private Func<string, string[], IReadOnlyList<string>> Validate { get; }

    /// <summary>Raised (outside the lock) when a job is added or changes state.</summary>
    public event Action? Changed;

    public IReadOnlyList<JobRecord> List()
    {
        lock (_gate) return _jobs.ToList();
    }

    public JobRecord? Get(string id)
    {
        lock (_gate) return _jobs.FirstOrDefault(j => j.Id == id);
    }

    /// <summary>
    /// Submits config text (<paramref name="extension"/> .py, .json or .yaml) or the path of a config file inside the
    /// jobs folder. A config that does not parse, names an unknown type or key, or lies outside the jobs folder is
    /// rejected here with a <see cref="KilnException"/> saying why, and nothing is queued.
    /// </summary>
    public JobRecord Submit(string? configText, string? extension, string? path, string[]? cfgOptions, string source)
    {
        cfgOptions ??= [];
        if ((configText is null) == (path is null))
            throw new KilnException("give either 'config' (the config text) or 'path' (a config file inside the jobs folder), not both and not neither.");
        string? configPath = null;
        if (path is not null)
        {
            configPath = Path.GetFullPath(path, Root);
            if (!IsInside(configPath, Root))
                throw new KilnException($"path '{path}' is outside the jobs folder {Root}; only config files inside it can be submitted by path.");
            if (!File.Exists(configPath)) throw new KilnException($"path '{path}' does not exist (resolved to {configPath}).");
        }
        string ext = (extension ?? Path.GetExtension(configPath) ?? ".py").ToLowerInvariant();
        if (!ext.StartsWith('.')) ext = "." + ext;
        if (!ConfigExtensions.Contains(ext))
            throw new KilnException($"config format '{extension ?? Path.GetExtension(configPath)}' is not one Kiln reads; valid: .py, .json, .yaml.");

        string id;
        lock (_gate) id = (++_next).ToString("D6", CultureInfo.InvariantCulture);
        string dir = Path.Combine(Root, id);
        Directory.CreateDirectory(dir);
        if (configText is not null)
        {
            configPath = Path.Combine(dir, "config" + ext);
            File.WriteAllText(configPath, configText);
        }
        var problems = Validate(configPath!, cfgOptions);
        if (problems.Count > 0)
        {
            Directory.Delete(dir, recursive: true);
            throw new KilnException(Reject(problems));
        }
        return Add(NewJob(id, configPath!, cfgOptions, source, JobState.Queued, null));
    }

    /// <summary>
    /// Takes every file in <c>queue/</c> (names starting with '.' or ending in .tmp are being written and wait): each
    /// becomes a job, its file moved into the job's folder; one that does not validate is recorded as rejected, with
    /// the reason, and never run. Returns the jobs made.
    /// </summary>
    public IReadOnlyList<JobRecord> ScanQueue()
    {
        var made = new List<JobRecord>();
        foreach (var file in Directory.GetFiles(QueueDir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase)) continue;
            string id;
            lock (_gate) id = (++_next).ToString("D6", CultureInfo.InvariantCulture);
            string dir = Path.Combine(Root, id);
            Directory.CreateDirectory(dir);
            string configPath = Path.Combine(dir, name);
            File.Move(file, configPath);
            string? error = ConfigExtensions.Contains(Path.GetExtension(name).ToLowerInvariant())
                ? (Validate(configPath, []) is { Count: > 0 } problems ? Reject(problems) : null)
                : $"{name} is not a config file; valid extensions: .py, .json, .yaml.";
            made.Add(Add(NewJob(id, configPath, [], "queue/" + name, error is null ? JobState.Queued : JobState.Rejected, error)));
        }
        return made;
    }

    /// <summary>The next job to run: interrupted ones first (they resume), then queued ones, oldest first.</summary>
    public JobRecord? Next()
    {
        lock (_gate)
            return _jobs.FirstOrDefault(j => j.State == JobState.Interrupted && !j.CancelRequested)
                ?? _jobs.FirstOrDefault(j => j.State == JobState.Queued && !j.CancelRequested);
    }

    /// <summary>Cancels a job: a queued or interrupted one at once, a running one after its current iteration.</summary>
    public JobRecord Cancel(string id)
    {
        var job = Get(id) ?? throw new KeyNotFoundException($"there is no job '{id}'.");
        lock (_gate)
        {
            if (JobState.IsFinished(job.State))
                throw new KilnException($"job {id} is {job.State} already; only queued, interrupted or running jobs can be cancelled.");
            job.CancelRequested = true;
            if (job.State != JobState.Running)
            {
                job.State = JobState.Cancelled;
                job.Finished = DateTimeOffset.UtcNow;
            }
        }
        Update(job);
        return job;
    }

    /// <summary>Persists <paramref name="job"/> after a change and tells the listeners.</summary>
    public void Update(JobRecord job)
    {
        lock (_gate) Save(job);
        Changed?.Invoke();
    }

    public void AddLossPoint(string id, ChartPoint point) => AddPoint(id, "loss", point);

    public void AddPoint(string id, string series, ChartPoint point)
    {
        lock (_gate)
        {
            if (series == "loss") Points(_loss, id).Add(point);
            else
            {
                if (!_metrics.TryGetValue(id, out var byName)) _metrics[id] = byName = [];
                Points(byName, series).Add(point);
            }
            File.AppendAllText(Path.Combine(Root, id, "points.jsonl"),
                JsonSerializer.Serialize(new { series, iter = point.Iter, value = point.Value }) + "\n");
        }
    }

    /// <summary>The job's chart: the loss per iteration and each validation metric at the iteration it was computed.</summary>
    public (IReadOnlyList<ChartPoint> Loss, IReadOnlyDictionary<string, IReadOnlyList<ChartPoint>> Metrics) Chart(string id)
    {
        lock (_gate)
        {
            var loss = _loss.TryGetValue(id, out var l) ? l.ToList() : [];
            var metrics = _metrics.TryGetValue(id, out var m)
                ? m.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<ChartPoint>)kv.Value.ToList())
                : new Dictionary<string, IReadOnlyList<ChartPoint>>();
            return (loss, metrics);
        }
    }

    /// <summary>The newest log file of the job's run(s), or null before it has one.</summary>
    public static string? LatestLog(JobRecord job) =>
        Directory.Exists(job.WorkDir)
            ? Directory.GetFiles(job.WorkDir, "*.log", SearchOption.AllDirectories).OrderBy(File.GetLastWriteTimeUtc).LastOrDefault()
            : null;

    internal static bool IsInside(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Reject(IReadOnlyList<string> problems) =>
        problems.Count == 1 ? problems[0] : $"{problems.Count} problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems);

    private JobRecord NewJob(string id, string configPath, string[] cfgOptions, string source, string state, string? error) => new()
    {
        Id = id,
        State = state,
        ConfigPath = configPath,
        Source = source,
        CfgOptions = cfgOptions,
        WorkDir = Path.Combine(Root, id, "work"),
        Submitted = DateTimeOffset.UtcNow,
        Finished = state == JobState.Rejected ? DateTimeOffset.UtcNow : null,
        Error = error,
    };

    private JobRecord Add(JobRecord job)
    {
        lock (_gate)
        {
            _jobs.Add(job);
            Save(job);
        }
        Changed?.Invoke();
        return job;
    }

    private void Save(JobRecord job) =>
        AtomicFile.WriteAllText(Path.Combine(Root, job.Id, "job.json"), JsonSerializer.Serialize(job, Json));

    private void LoadPoints(string id)
    {
        string file = Path.Combine(Root, id, "points.jsonl");
        if (!File.Exists(file)) return;
        foreach (var line in File.ReadLines(file))
        {
            if (line.Length == 0) continue;
            JsonElement e;
            try { e = JsonSerializer.Deserialize<JsonElement>(line); }
            catch (JsonException) { continue; } // a line cut short by a crash
            string series = e.GetProperty("series").GetString()!;
            var point = new ChartPoint(e.GetProperty("iter").GetInt32(), e.GetProperty("value").GetDouble());
            if (series == "loss") Points(_loss, id).Add(point);
            else
            {
                if (!_metrics.TryGetValue(id, out var byName)) _metrics[id] = byName = [];
                Points(byName, series).Add(point);
            }
        }
    }

    private static List<ChartPoint> Points(Dictionary<string, List<ChartPoint>> map, string key)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        return list;
    }
}
