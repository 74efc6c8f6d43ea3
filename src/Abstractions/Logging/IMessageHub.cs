namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>MessageHub</c>: where the loop, hooks and models exchange logged scalars
/// (<c>train/loss</c>, <c>train/lr</c>, <c>val/accuracy</c>) and runtime information (<c>epoch</c>, <c>iter</c>).
/// </summary>
public interface IMessageHub
{
    /// <summary>Appends a value to the scalar's history; <paramref name="resumed"/> marks it for checkpoints.</summary>
    void UpdateScalar(string key, double value, int count = 1, bool resumed = true);

    /// <summary>Sets a runtime-info value.</summary>
    void UpdateInfo(string key, object? value, bool resumed = true);

    /// <summary>A scalar's history; an unknown key is an error naming the known keys.</summary>
    IHistoryBuffer GetScalar(string key);

    bool TryGetScalar(string key, out IHistoryBuffer buffer);

    /// <summary>A runtime-info value, or null when unset.</summary>
    object? GetInfo(string key);

    /// <summary>Every scalar, in first-update order.</summary>
    IReadOnlyDictionary<string, IHistoryBuffer> LogScalars { get; }

    IReadOnlyDictionary<string, object?> RuntimeInfo { get; }
}
