namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>MessageHub</c>: scalar histories and runtime info shared by the loop, hooks and models.
/// One per Runner (not a process-wide singleton, so two runners in one process never share state).
/// </summary>
public sealed class MessageHub : IMessageHub
{
    private readonly Dictionary<string, HistoryBuffer> _scalars = new(StringComparer.Ordinal);
    private readonly List<string> _scalarOrder = [];
    private readonly Dictionary<string, object?> _info = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _resumedKeys = new(StringComparer.Ordinal);

    private Dictionary<string, IHistoryBuffer>? _scalarView;

    /// <summary>Every scalar in first-update order (a view rebuilt only when a key is added).</summary>
    public IReadOnlyDictionary<string, IHistoryBuffer> LogScalars =>
        _scalarView ??= _scalarOrder.ToDictionary(k => k, k => (IHistoryBuffer)_scalars[k], StringComparer.Ordinal);

    public IReadOnlyDictionary<string, object?> RuntimeInfo => _info;

    /// <summary>Whether each key is saved in checkpoints (MMEngine's <c>_resumed_keys</c>).</summary>
    public IReadOnlyDictionary<string, bool> ResumedKeys => _resumedKeys;

    public void UpdateScalar(string key, double value, int count = 1, bool resumed = true)
    {
        SetResumed(key, resumed);
        if (!_scalars.TryGetValue(key, out var buffer))
        {
            buffer = new HistoryBuffer();
            _scalars.Add(key, buffer);
            _scalarOrder.Add(key);
            _scalarView = null;
        }
        buffer.Update(value, count);
    }

    /// <summary>
    /// MMEngine's <c>update_scalars</c>: each value is a number (a one-element tensor too) or a dict
    /// <c>{value, count}</c>; a dict without <c>value</c> is an error naming the key.
    /// </summary>
    public void UpdateScalars(IReadOnlyDictionary<string, object?> logDict, bool resumed = true)
    {
        ArgumentNullException.ThrowIfNull(logDict);
        foreach (var (key, raw) in logDict)
        {
            if (raw is System.Collections.IDictionary dict)
            {
                if (!dict.Contains("value"))
                    throw new ArgumentException($"update_scalars: '{key}' is a dict without 'value'; give dict(value=..., count=...).", nameof(logDict));
                int count = dict.Contains("count") ? Convert.ToInt32(ToDouble(key, dict["count"]), System.Globalization.CultureInfo.InvariantCulture) : 1;
                UpdateScalar(key, ToDouble(key, dict["value"]), count, resumed);
            }
            else
            {
                UpdateScalar(key, ToDouble(key, raw), 1, resumed);
            }
        }
    }

    private static double ToDouble(string key, object? value) => value switch
    {
        TorchSharp.torch.Tensor t when t.numel() == 1 => t.to_type(TorchSharp.torch.ScalarType.Float64).item<double>(),
        TorchSharp.torch.Tensor t => throw new ArgumentException($"update_scalars: '{key}' is a tensor of {t.numel()} elements; only one-element tensors are scalars."),
        IConvertible c when value is not string and not bool => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"update_scalars: '{key}' = {Kiln.Config.ConfigFormatter.Format(value)} is not a number."),
    };

    public void UpdateInfo(string key, object? value, bool resumed = true)
    {
        SetResumed(key, resumed);
        _info[key] = value;
    }

    public IHistoryBuffer GetScalar(string key) => _scalars.TryGetValue(key, out var b)
        ? b
        : throw new KeyNotFoundException($"'{key}' is not a logged scalar; logged: {string.Join(", ", _scalarOrder)}.");

    public bool TryGetScalar(string key, out IHistoryBuffer buffer)
    {
        bool found = _scalars.TryGetValue(key, out var b);
        buffer = b!;
        return found;
    }

    public object? GetInfo(string key) => _info.GetValueOrDefault(key);

    /// <summary>MMEngine asserts a key's <c>resumed</c> flag never changes; so do we.</summary>
    private void SetResumed(string key, bool resumed)
    {
        if (_resumedKeys.TryGetValue(key, out var existing))
        {
            if (existing != resumed)
                throw new InvalidOperationException($"message hub key '{key}' was logged with resumed={existing}; it cannot change to {resumed}.");
            return;
        }
        _resumedKeys[key] = resumed;
    }
}
