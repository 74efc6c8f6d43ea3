using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>LogProcessor</c> (runner/log_processor.py): turns the message hub's scalars into the text log
/// lines and the tag dict written to <c>vis_data</c>. Keys matching <see cref="MeanPattern"/> are averaged over
/// the last <see cref="WindowSize"/> values, others show their latest value. Line formats (§1.7):
/// <code>
/// Epoch(train) [1][ 10/125]  lr: 1.0000e-02  eta: 0:00:20  time: 0.0150  data_time: 0.0010  loss: 2.2820
/// Epoch(val) [1][32/32]    accuracy/top1: 97.2500  data_time: 0.0010  time: 0.0050
/// </code>
/// Not built yet: <c>custom_cfg</c> and <c>log_with_hierarchy</c> (issue 7).
/// </summary>
[Register(Registries.LogProcessors)]
public sealed class LogProcessor(int windowSize = 10, bool byEpoch = true, int numDigits = 4, string meanPattern = LogProcessor.DefaultMeanPattern)
{
    public const string DefaultMeanPattern = @".*(loss|time|data_time|grad_norm).*";

    private readonly Regex _mean = new(meanPattern, RegexOptions.CultureInvariant);

    public int WindowSize { get; } = windowSize > 0 ? windowSize : throw new KilnException($"log_processor.window_size must be positive, got {windowSize}.");

    public bool ByEpoch { get; } = byEpoch;

    public int NumDigits { get; } = numDigits;

    public string MeanPattern { get; } = meanPattern;

    /// <summary>The line and tag after a train/val/test iteration (<c>get_log_after_iter</c>).</summary>
    public (Dictionary<string, object> Tag, string Line) GetLogAfterIter(IRunnerContext runner, int batchIndex, string mode)
    {
        var tag = CollectScalars(runner, mode, window: null);
        var logTag = new Dictionary<string, object>(tag);
        var lrParts = new List<string>();
        foreach (var (key, value) in tag)
            if (key.EndsWith("lr", StringComparison.Ordinal))
            {
                logTag.Remove(key);
                lrParts.Add($"{key}: {FormatExp((double)value)}");
            }

        var sb = new StringBuilder();
        if (ByEpoch)
        {
            int length = runner.DataloaderLength(mode);
            string iterStr = (batchIndex + 1).ToString(CultureInfo.InvariantCulture).PadLeft(length.ToString(CultureInfo.InvariantCulture).Length);
            if (mode is "train" or "val")
            {
                int epoch = mode == "train" ? runner.Epoch + 1 : runner.Epoch;
                string epochStr = $"[{epoch}]";
                if (runner.HasTrainLoop) epochStr = epochStr.PadLeft(runner.MaxEpochs.ToString(CultureInfo.InvariantCulture).Length + 3);
                tag["epoch"] = epoch;
                sb.Append($"Epoch({mode}){epochStr}[{iterStr}/{length}]  ");
            }
            else
            {
                sb.Append($"Epoch({mode}) [{iterStr}/{length}]  ");
            }
        }
        else if (mode == "train")
        {
            string iterStr = (runner.Iter + 1).ToString(CultureInfo.InvariantCulture).PadLeft(runner.MaxIters.ToString(CultureInfo.InvariantCulture).Length);
            sb.Append($"Iter({mode}) [{iterStr}/{runner.MaxIters}]  ");
        }
        else
        {
            int length = runner.DataloaderLength(mode);
            string iterStr = (batchIndex + 1).ToString(CultureInfo.InvariantCulture).PadLeft(length.ToString(CultureInfo.InvariantCulture).Length);
            sb.Append($"Iter({mode}) [{iterStr}/{length}]  ");
        }
        tag["iter"] = runner.HasTrainLoop ? runner.Iter + 1 : 0;
        sb.Append(string.Join(' ', lrParts)).Append("  ");

        if (logTag.ContainsKey("time") && logTag.ContainsKey("data_time") && runner.MessageHub.GetInfo("eta") is double eta)
        {
            sb.Append($"eta: {FormatTimeDelta(eta)}  ");
            sb.Append($"time: {FormatFixed((double)logTag["time"])}  data_time: {FormatFixed((double)logTag["data_time"])}  ");
            logTag.Remove("time");
            logTag.Remove("data_time");
        }

        if (mode is "train" or "val")
        {
            var items = logTag
                .Where(kv => mode == "train" || kv.Key.StartsWith("val/loss", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key}: {FormatValue(kv.Value)}");
            sb.Append(string.Join("  ", items));
        }
        return (tag, sb.ToString());
    }

    /// <summary>The line and tag after a whole validation or test pass (<c>get_log_after_epoch</c>).</summary>
    public (Dictionary<string, object> Tag, string Line) GetLogAfterEpoch(IRunnerContext runner, int batchIndex, string mode)
    {
        if (mode is not ("val" or "test"))
            throw new ArgumentException($"GetLogAfterEpoch is for val and test, not '{mode}'.", nameof(mode));
        int length = runner.DataloaderLength(mode);
        string header = !ByEpoch ? $"Iter({mode}) [{length}/{length}]  "
            : mode == "val" ? $"Epoch({mode}) [{runner.Epoch}][{length}/{length}]  "
            : $"Epoch({mode}) [{length}/{length}]  ";

        // time and data_time are averaged over the whole pass and moved to the end of the line.
        var scalars = CollectScalars(runner, mode, window: batchIndex + 1);
        var tag = new Dictionary<string, object>();
        var timeTag = new Dictionary<string, object>();
        foreach (var (key, value) in scalars)
            (key is "time" or "data_time" ? timeTag : tag)[key] = value;
        var ordered = tag.Concat(timeTag).ToList();
        string line = header + "  " + string.Join("  ", ordered.Select(kv => $"{kv.Key}: {FormatValue(kv.Value)}"));
        return (ordered.ToDictionary(kv => kv.Key, kv => kv.Value), line);
    }

    /// <summary>
    /// Every <c>{mode}/</c> scalar without its prefix: mean over the window for keys matching
    /// <see cref="MeanPattern"/>, latest value otherwise. <paramref name="window"/> overrides the window of
    /// <c>time</c> and <c>data_time</c> (the epoch summary averages them over the whole pass).
    /// </summary>
    private Dictionary<string, object> CollectScalars(IRunnerContext runner, string mode, int? window)
    {
        string prefix = mode + "/";
        var tag = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, buffer) in runner.MessageHub.LogScalars)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string name = key[prefix.Length..];
            if (window is { } w && name is "time" or "data_time") tag[name] = buffer.Mean(w);
            else tag[name] = _mean.IsMatch(name) ? buffer.Mean(WindowSize) : buffer.Current;
        }
        return tag;
    }

    private string FormatValue(object value) => value switch
    {
        double d => FormatFixed(d),
        float f => FormatFixed(f),
        IFormattable i => i.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private string FormatFixed(double d) => d.ToString("F" + NumDigits, CultureInfo.InvariantCulture);

    /// <summary>Python's <c>f'{v:.4e}'</c>: <c>1.0000e-02</c>.</summary>
    private string FormatExp(double d)
    {
        string s = d.ToString((NumDigits > 0 ? "0." + new string('0', NumDigits) : "0") + "e+00", CultureInfo.InvariantCulture);
        return s;
    }

    /// <summary>Python's <c>str(datetime.timedelta(seconds=int(eta)))</c>: <c>0:00:20</c>, <c>1 day, 2:03:04</c>.</summary>
    public static string FormatTimeDelta(double seconds)
    {
        long total = (long)Math.Truncate(seconds);
        long days = total / 86400, rest = total % 86400;
        string clock = $"{rest / 3600}:{rest % 3600 / 60:00}:{rest % 60:00}";
        return days == 0 ? clock : $"{days} day{(days == 1 ? "" : "s")}, {clock}";
    }
}
