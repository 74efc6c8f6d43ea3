using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kiln.Config;
using Kiln.Hooks;
using Kiln.Registry;

namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>LogProcessor</c> (runner/log_processor.py): turns the message hub's scalars into the text log
/// lines and the tag dict written to <c>vis_data</c>. Keys matching <see cref="MeanPattern"/> are averaged over
/// the last <see cref="WindowSize"/> values, others show their latest value; <c>custom_cfg</c> entries
/// (<c>data_src</c>, <c>method_name</c>, <c>window_size</c> as an int, <c>'epoch'</c> or <c>'global'</c>, optional
/// <c>log_name</c>) add or overwrite statistics; <c>log_with_hierarchy</c> keeps the <c>train/</c>, <c>val/</c>,
/// <c>test/</c> prefixes in the tag (the text line is unchanged). Line formats (§1.7):
/// <code>
/// Epoch(train) [1][ 10/125]  lr: 1.0000e-02  eta: 0:00:20  time: 0.0150  data_time: 0.0010  loss: 2.2820
/// Epoch(val) [1][32/32]    accuracy/top1: 97.2500  data_time: 0.0010  time: 0.0050
/// </code>
/// The CUDA-only <c>memory</c> field is not written (TorchSharp 0.107 has no <c>max_memory_allocated</c>).
/// </summary>
[Register(Registries.LogProcessors)]
public sealed class LogProcessor
{
    public const string DefaultMeanPattern = @".*(loss|time|data_time|grad_norm).*";

    private readonly Regex _mean;
    private readonly List<CustomLogCfg> _customCfg;
    private readonly List<CustomLogCfg> _epochCfg;

    public LogProcessor(int windowSize = 10, bool byEpoch = true, IReadOnlyList<ConfigDict>? customCfg = null, int numDigits = 4,
        bool logWithHierarchy = false, string meanPattern = DefaultMeanPattern)
    {
        WindowSize = windowSize > 0 ? windowSize : throw new KilnException($"log_processor.window_size must be positive, got {windowSize}.");
        ByEpoch = byEpoch;
        NumDigits = numDigits;
        LogWithHierarchy = logWithHierarchy;
        MeanPattern = meanPattern;
        _mean = new Regex(meanPattern, RegexOptions.CultureInvariant);
        _customCfg = (customCfg ?? []).Select((c, i) => CustomLogCfg.From(c, i)).ToList();
        CheckCustomCfg();
        // get_log_after_epoch: time and data_time are averaged over the pass unless custom_cfg says otherwise.
        var customKeys = _customCfg.Select(c => c.DataSrc).ToHashSet(StringComparer.Ordinal);
        _epochCfg = [.. _customCfg];
        if (!customKeys.Contains("time")) _epochCfg.Add(new CustomLogCfg("time", null, "mean", "epoch"));
        if (!customKeys.Contains("data_time")) _epochCfg.Add(new CustomLogCfg("data_time", null, "mean", "epoch"));
    }

    public int WindowSize { get; }

    public bool ByEpoch { get; }

    public int NumDigits { get; }

    public bool LogWithHierarchy { get; }

    public string MeanPattern { get; }

    /// <summary>One <c>custom_cfg</c> entry; <see cref="WindowSize"/> is null, a boxed int, <c>"epoch"</c> or <c>"global"</c>.</summary>
    internal sealed record CustomLogCfg(string DataSrc, string? LogName, string? MethodName, object? WindowSize)
    {
        public static CustomLogCfg From(ConfigDict cfg, int index)
        {
            string at = $"log_processor.custom_cfg[{index}]";
            var known = new[] { "data_src", "log_name", "method_name", "window_size" };
            if (cfg.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
                throw new KilnException($"{at}: unknown key '{unknown}'; valid keys: {string.Join(", ", known)}.");
            string dataSrc = cfg.Get("data_src") as string
                ?? throw new KilnException($"{at} needs 'data_src', the logged key to take statistics of (e.g. data_src='loss').");
            object? window = cfg.Get("window_size") switch
            {
                null => null,
                long l => (object)(int)l,
                int i => i,
                "epoch" => "epoch",
                "global" => "global",
                var other => throw new KilnException($"{at}: window_size should be int, epoch or global, but got invalid {ConfigFormatter.Format(other)}."),
            };
            return new CustomLogCfg(dataSrc, cfg.Get("log_name") as string, cfg.Get("method_name") as string, window);
        }

        public int? ParseWindow(IRunnerContext runner, int batchIndex) => WindowSize switch
        {
            null => null,
            int i => i,
            "epoch" => batchIndex + 1,
            _ => runner.Iter + 1,
        };
    }

    /// <summary>MMEngine's <c>_check_custom_cfg</c>: no log name twice (a key overwritten at most once); no <c>'epoch'</c> window when not by epoch.</summary>
    private void CheckCustomCfg()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cfg in _customCfg)
        {
            string logName = cfg.LogName ?? cfg.DataSrc;
            if (!seen.Add(logName))
                throw new KilnException($"log_processor.custom_cfg: Found duplicate {logName} for {cfg.DataSrc}. You should neither define duplicate `{logName}` for {cfg.DataSrc} nor do not define any {logName} for multiple {cfg.DataSrc}; give each entry its own log_name.");
        }
        foreach (var cfg in _customCfg)
            if (!ByEpoch && cfg.WindowSize is "epoch")
                throw new KilnException($"log_processor.custom_cfg: window_size cannot be epoch if by_epoch is False (data_src='{cfg.DataSrc}').");
        foreach (var cfg in _customCfg)
            if (cfg.MethodName is null)
                throw new KilnException($"log_processor.custom_cfg: the entry for '{cfg.DataSrc}' needs method_name ({string.Join(", ", HistoryBuffer.StatisticsNames.Select(n => $"'{n}'"))}).");
    }

    /// <summary>The line and tag after a train/val/test iteration (<c>get_log_after_iter</c>).</summary>
    public (Dictionary<string, object> Tag, string Line) GetLogAfterIter(IRunnerContext runner, int batchIndex, string mode)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (mode is not ("train" or "val" or "test"))
            throw new ArgumentException($"mode must be 'train', 'val' or 'test', not '{mode}'.", nameof(mode));
        var logTag = CollectScalars(_customCfg, runner, mode, batchIndex, reservePrefix: false);
        var tag = LogWithHierarchy ? CollectScalars(_customCfg, runner, mode, batchIndex, reservePrefix: true) : new Dictionary<string, object>(logTag);

        var lrParts = new List<string>();
        foreach (var (key, value) in tag)
            if (key.EndsWith("lr", StringComparison.Ordinal))
            {
                string name = RemovePrefix(key, mode + "/");
                logTag.Remove(name);
                lrParts.Add($"{name}: {FormatExp(Convert.ToDouble(value, CultureInfo.InvariantCulture))}");
            }

        var sb = new StringBuilder();
        if (ByEpoch)
        {
            int length = runner.DataloaderLength(mode);
            string iterStr = (batchIndex + 1).ToString(CultureInfo.InvariantCulture).PadLeft(length.ToString(CultureInfo.InvariantCulture).Length);
            if (mode is "train" or "val")
            {
                int epoch = mode == "train" ? runner.Epoch + 1 : runner.HasTrainLoop ? runner.Epoch : 0;
                string epochStr = $"[{epoch}]";
                if (runner.HasTrainLoop) epochStr = epochStr.PadLeft(runner.MaxEpochs.ToString(CultureInfo.InvariantCulture).Length + 3);
                tag["epoch"] = epoch;
                sb.Append(CultureInfo.InvariantCulture, $"Epoch({mode}){epochStr}[{iterStr}/{length}]  ");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"Epoch({mode}) [{iterStr}/{length}]  ");
            }
        }
        else if (mode == "train")
        {
            string iterStr = (runner.Iter + 1).ToString(CultureInfo.InvariantCulture).PadLeft(runner.MaxIters.ToString(CultureInfo.InvariantCulture).Length);
            sb.Append(CultureInfo.InvariantCulture, $"Iter({mode}) [{iterStr}/{runner.MaxIters}]  ");
        }
        else
        {
            int length = runner.DataloaderLength(mode);
            string iterStr = (batchIndex + 1).ToString(CultureInfo.InvariantCulture).PadLeft(length.ToString(CultureInfo.InvariantCulture).Length);
            sb.Append(CultureInfo.InvariantCulture, $"Iter({mode}) [{iterStr}/{length}]  ");
        }
        tag["iter"] = runner.HasTrainLoop ? runner.Iter + 1 : 0;
        sb.AppendJoin(' ', lrParts).Append("  ");

        if (logTag.ContainsKey("time") && logTag.ContainsKey("data_time") && runner.MessageHub.RuntimeInfo.TryGetValue("eta", out var etaValue) && etaValue is not null)
        {
            sb.Append("eta: ").Append(FormatTimeDelta(Convert.ToDouble(etaValue, CultureInfo.InvariantCulture))).Append("  ");
            sb.Append("time: ").Append(FormatValue(logTag["time"])).Append("  data_time: ").Append(FormatValue(logTag["data_time"])).Append("  ");
            logTag.Remove("time");
            logTag.Remove("data_time");
        }

        if (mode is "train" or "val")
        {
            bool first = true;
            foreach (var (name, value) in logTag)
            {
                if (mode == "val" && !name.StartsWith("val/loss", StringComparison.Ordinal)) continue;
                if (!first) sb.Append("  ");
                first = false;
                sb.Append(name).Append(": ").Append(FormatValue(value));
            }
        }
        return (tag, sb.ToString());
    }

    /// <summary>
    /// The line and tag after a whole validation or test pass (<c>get_log_after_epoch</c>): the metrics, the
    /// non-scalar runtime infos of the mode (<c>with_non_scalar</c> also puts them in the tag), then <c>time</c> and
    /// <c>data_time</c> averaged over the pass.
    /// </summary>
    public (Dictionary<string, object> Tag, string Line) GetLogAfterEpoch(IRunnerContext runner, int batchIndex, string mode, bool withNonScalar = false)
    {
        ArgumentNullException.ThrowIfNull(runner);
        if (mode is not ("val" or "test"))
            throw new ArgumentException($"`_get_metric_log_str` only accept val or test mode, but got {mode}", nameof(mode));
        int length = runner.DataloaderLength(mode);
        string header = !ByEpoch ? $"Iter({mode}) [{length}/{length}]  "
            : mode == "val" ? $"Epoch({mode}) [{(runner.HasTrainLoop ? runner.Epoch : 0)}][{length}/{length}]  "
            : $"Epoch({mode}) [{length}/{length}]  ";

        var scalars = CollectScalars(_epochCfg, runner, mode, batchIndex, LogWithHierarchy);
        var nonScalars = CollectNonScalars(runner, mode);
        var tag = new Dictionary<string, object>(StringComparer.Ordinal);
        var timeTag = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in scalars)
            (key == $"{mode}/time" || key == $"{mode}/data_time" || key is "time" or "data_time" ? timeTag : tag)[key] = value;

        var items = tag.Concat(nonScalars).Concat(timeTag).Select(kv => $"{kv.Key}: {FormatItem(kv.Value)}");
        string line = header + "  " + string.Join("  ", items);
        if (withNonScalar)
            foreach (var (key, value) in nonScalars) tag[key] = value;
        foreach (var (key, value) in timeTag) tag[key] = value;
        return (tag, line);
    }

    /// <summary>
    /// MMEngine's <c>_collect_scalars</c>: every scalar whose key starts with <paramref name="mode"/> (its
    /// <c>{mode}/</c> prefix removed unless <paramref name="reservePrefix"/>): mean over <see cref="WindowSize"/> for
    /// keys matching <see cref="MeanPattern"/>, latest value otherwise; then the <c>custom_cfg</c> statistics.
    /// </summary>
    private Dictionary<string, object> CollectScalars(List<CustomLogCfg> customCfg, IRunnerContext runner, string mode, int batchIndex, bool reservePrefix)
    {
        string prefix = mode + "/";
        var tag = new Dictionary<string, object>(StringComparer.Ordinal);
        var modeScalars = new Dictionary<string, IHistoryBuffer>(StringComparer.Ordinal);
        foreach (var (prefixKey, buffer) in runner.MessageHub.LogScalars)
        {
            if (!prefixKey.StartsWith(mode, StringComparison.Ordinal)) continue;
            string key = reservePrefix ? prefixKey : RemovePrefix(prefixKey, prefix);
            modeScalars[key] = buffer;
            tag[key] = _mean.IsMatch(key) ? buffer.Mean(WindowSize) : buffer.Current;
        }
        foreach (var cfg in customCfg)
        {
            string dataSrc = reservePrefix ? prefix + cfg.DataSrc : cfg.DataSrc;
            // MMEngine builds the hierarchical name from the already prefixed data_src when log_name is absent
            // ('train/train/loss'); kept as MMEngine writes it.
            string logName = reservePrefix ? prefix + (cfg.LogName ?? dataSrc) : cfg.LogName ?? dataSrc;
            if (modeScalars.TryGetValue(dataSrc, out var buffer))
                tag[logName] = HistoryBuffer.Statistics(buffer, cfg.MethodName!, cfg.ParseWindow(runner, batchIndex));
        }
        return tag;
    }

    /// <summary>MMEngine's <c>_collect_non_scalars</c>: runtime infos whose key starts with <paramref name="mode"/>.</summary>
    private Dictionary<string, object> CollectNonScalars(IRunnerContext runner, string mode)
    {
        var tag = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in runner.MessageHub.RuntimeInfo)
            if (key.StartsWith(mode, StringComparison.Ordinal) && value is not null)
                tag[LogWithHierarchy ? key : RemovePrefix(key, mode + "/")] = value;
        return tag;
    }

    private static string RemovePrefix(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;

    private string FormatValue(object value) => value switch
    {
        double d => FormatFixed(d),
        float f => FormatFixed(f),
        IFormattable i => i.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Python's <c>f'{val}'</c> in the epoch line: floats with <see cref="NumDigits"/>, tensors on their own line, dicts and lists as Python prints them.</summary>
    private string FormatItem(object value) => value switch
    {
        double or float => FormatValue(value),
        TorchSharp.torch.Tensor t => $"\n{t.ToString(TorchSharp.TensorStringStyle.Numpy)}\n",
        string s => s,
        System.Collections.IDictionary dict => "{" + string.Join(", ", dict.Keys.Cast<object>().Select(k => $"{ConfigFormatter.Format(k)}: {ConfigFormatter.Format(dict[k])}")) + "}",
        _ => ConfigFormatter.Format(value),
    };

    private string FormatFixed(double d) => d.ToString("F" + NumDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

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
