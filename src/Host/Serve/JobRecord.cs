using System.Text.Json.Serialization;

namespace Kiln.Serve;

/// <summary>The states a <c>kiln serve</c> job goes through.</summary>
public static class JobState
{
    /// <summary>Accepted and waiting for the training thread.</summary>
    public const string Queued = "queued";

    public const string Running = "running";

    /// <summary>Stopped by a service stop after a checkpoint; runs again (resuming) on the next start.</summary>
    public const string Interrupted = "interrupted";

    public const string Succeeded = "succeeded";

    /// <summary>Training threw; <see cref="JobRecord.Error"/> says what.</summary>
    public const string Failed = "failed";

    public const string Cancelled = "cancelled";

    /// <summary>A file dropped into <c>queue/</c> that did not validate; <see cref="JobRecord.Error"/> says why.</summary>
    public const string Rejected = "rejected";

    public static bool IsFinished(string state) => state is Succeeded or Failed or Cancelled or Rejected;
}

/// <summary>One job, as persisted in <c>&lt;jobs&gt;/&lt;id&gt;/job.json</c> (written atomically on every change).</summary>
public sealed class JobRecord
{
    public required string Id { get; init; }

    public required string State { get; set; }

    /// <summary>The config file the job trains from (inside the jobs folder).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>Where the submission came from: <c>http</c>, <c>queue/&lt;file&gt;</c>.</summary>
    public required string Source { get; init; }

    public string[] CfgOptions { get; init; } = [];

    /// <summary>The job's work directory (<c>&lt;jobs&gt;/&lt;id&gt;/work</c>): logs, checkpoints.</summary>
    public required string WorkDir { get; init; }

    public DateTimeOffset Submitted { get; init; }

    public DateTimeOffset? Started { get; set; }

    public DateTimeOffset? Finished { get; set; }

    public string? Error { get; set; }

    /// <summary>The checkpoint an interrupted job resumes from (<c>resume=True, load_from=...</c>).</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Completed iterations and the run's total, as of the last progress report.</summary>
    public int Iter { get; set; }

    public int MaxIters { get; set; }

    public int Epoch { get; set; }

    /// <summary>Set by a cancel request; the training thread stops the job after its current iteration.</summary>
    [JsonIgnore]
    public bool CancelRequested { get; set; }
}

/// <summary>One point of the status page's chart: the iteration and the value logged there.</summary>
public sealed record ChartPoint(int Iter, double Value);
