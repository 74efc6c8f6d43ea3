using Kiln.Checkpoints;

namespace Kiln.Logging;

/// <summary>
/// The message hub in a checkpoint (MMEngine's <c>MessageHub.state_dict</c>): the resumable scalar histories and
/// runtime info, and which keys are resumable. MMEngine pickles <c>HistoryBuffer</c> objects, which
/// <c>torch.load(weights_only=True)</c> refuses; Kiln writes each history as plain lists
/// (<c>{'log_history': [...], 'count_history': [...], 'max_length': N}</c>), so the file stays loadable anywhere.
/// </summary>
internal static class MessageHubState
{
    public static PyDict ToStateDict(MessageHub hub)
    {
        var scalars = new PyDict();
        foreach (var (key, buffer) in hub.LogScalars)
        {
            if (!hub.ResumedKeys.GetValueOrDefault(key, true)) continue;
            var (values, counts) = ((HistoryBuffer)buffer).Data();
            scalars[key] = new PyDict
            {
                ["log_history"] = values.Select(v => (object?)v).ToList(),
                ["count_history"] = counts.Select(c => (object?)(long)c).ToList(),
                ["max_length"] = (long)((HistoryBuffer)buffer).MaxLength,
            };
        }
        var info = new PyDict();
        foreach (var (key, value) in hub.RuntimeInfo)
            if (hub.ResumedKeys.GetValueOrDefault(key, true) && ToPlain(value, out var plain)) info[key] = plain;
        var resumed = new PyDict();
        foreach (var (key, flag) in hub.ResumedKeys) resumed[key] = flag;
        return new PyDict { ["log_scalars"] = scalars, ["runtime_info"] = info, ["resumed_keys"] = resumed };
    }

    public static void LoadStateDict(MessageHub hub, PyDict state)
    {
        if (state.TryGetValue("log_scalars", out var s) && s is PyDict scalars)
            foreach (var (key, value) in scalars)
            {
                if (key is not string name || value is not PyDict history) continue;
                if (history.TryGetValue("log_history", out var lv) && lv is List<object?> values
                    && history.TryGetValue("count_history", out var cv) && cv is List<object?> counts && values.Count == counts.Count)
                    for (int i = 0; i < values.Count; i++)
                        hub.UpdateScalar(name, Convert.ToDouble(values[i], System.Globalization.CultureInfo.InvariantCulture), (int)(long)counts[i]!);
            }
        if (state.TryGetValue("runtime_info", out var r) && r is PyDict info)
            foreach (var (key, value) in info)
                if (key is string name) hub.UpdateInfo(name, value);
    }

    /// <summary>Only plain values go into checkpoints: numbers, strings, bools, None and lists of them.</summary>
    private static bool ToPlain(object? value, out object? plain)
    {
        switch (value)
        {
            case null or string or bool or long or double:
                plain = value;
                return true;
            case int i:
                plain = (long)i;
                return true;
            case float f:
                plain = (double)f;
                return true;
            case System.Collections.IEnumerable list and not System.Collections.IDictionary:
                var items = new List<object?>();
                foreach (var item in list)
                {
                    if (!ToPlain(item, out var p)) { plain = null; return false; }
                    items.Add(p);
                }
                plain = items;
                return true;
            default:
                plain = null;
                return false;
        }
    }
}
