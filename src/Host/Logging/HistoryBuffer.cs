namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>HistoryBuffer</c> (logging/history_buffer.py) as a ring buffer: <see cref="Update"/> is O(1)
/// amortised instead of numpy's copy-per-append, which costs milliseconds late in long runs
/// (mmengine-internals §6.1). Statistics over a window read only that window.
/// </summary>
public sealed class HistoryBuffer : IHistoryBuffer
{
    /// <summary>MMEngine's default <c>max_length</c>.</summary>
    public const int DefaultMaxLength = 1_000_000;

    private double[] _values;
    private int[] _counts;
    private int _start;
    private int _count;

    public HistoryBuffer(int maxLength = DefaultMaxLength)
    {
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), "max_length must be positive.");
        MaxLength = maxLength;
        _values = new double[Math.Min(16, maxLength)];
        _counts = new int[_values.Length];
    }

    /// <summary>
    /// MMEngine's <c>HistoryBuffer(log_history, count_history, max_length)</c>: starts from the given histories (equal
    /// lengths); beyond <paramref name="maxLength"/> only the newest values are kept.
    /// </summary>
    public HistoryBuffer(IReadOnlyList<double> logHistory, IReadOnlyList<int> countHistory, int maxLength = DefaultMaxLength) : this(maxLength)
    {
        ArgumentNullException.ThrowIfNull(logHistory);
        ArgumentNullException.ThrowIfNull(countHistory);
        if (logHistory.Count != countHistory.Count)
            throw new ArgumentException($"The lengths of log_history ({logHistory.Count}) and count_history ({countHistory.Count}) should be equal.", nameof(countHistory));
        for (int i = Math.Max(0, logHistory.Count - maxLength); i < logHistory.Count; i++) Update(logHistory[i], countHistory[i]);
    }

    public int MaxLength { get; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<IHistoryBuffer, int?, double>> StatisticsMethods = new(
        new Dictionary<string, Func<IHistoryBuffer, int?, double>>
        {
            ["min"] = (b, w) => b.Min(w),
            ["max"] = (b, w) => b.Max(w),
            ["current"] = (b, w) => w is null ? b.Current
                : throw new ArgumentException("HistoryBuffer.current takes no window_size; remove window_size from this custom_cfg entry."),
            ["mean"] = (b, w) => b.Mean(w),
        }, StringComparer.Ordinal);

    /// <summary>The statistics <see cref="Statistics(string, int?)"/> knows: min, max, current, mean and any registered.</summary>
    public static IReadOnlyCollection<string> StatisticsNames => StatisticsMethods.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// MMEngine's <c>HistoryBuffer.register_statistics</c>: adds a named statistic (given the buffer and an optional
    /// window) that <c>custom_cfg</c>'s <c>method_name</c> can use. A name can be registered once.
    /// </summary>
    public static void RegisterStatistics(string name, Func<IHistoryBuffer, int?, double> method)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(method);
        if (!StatisticsMethods.TryAdd(name, method))
            throw new InvalidOperationException($"method_name '{name}' cannot be registered twice!");
    }

    /// <summary>MMEngine's <c>statistics(method_name, window_size)</c>.</summary>
    public double Statistics(string methodName, int? windowSize = null) => Statistics(this, methodName, windowSize);

    internal static double Statistics(IHistoryBuffer buffer, string methodName, int? windowSize) =>
        StatisticsMethods.TryGetValue(methodName, out var method) ? method(buffer, windowSize)
            : throw new KeyNotFoundException($"{methodName} has not been registered in HistoryBuffer._statistics_methods; known: {string.Join(", ", StatisticsNames)}.");

    public int Count => _count;

    public double Current => _count > 0 ? ValueAt(_count - 1)
        : throw new InvalidOperationException("HistoryBuffer is empty: nothing has been logged under this key yet.");

    /// <summary>Appends a value; the oldest is dropped once <see cref="MaxLength"/> values are held.</summary>
    public void Update(double value, int count = 1)
    {
        if (_count == MaxLength)
        {
            // Full: the array holds exactly MaxLength slots, so the oldest value's slot takes the newest.
            _values[_start] = value;
            _counts[_start] = count;
            _start = (_start + 1) % _values.Length;
            return;
        }
        if (_count == _values.Length) Grow();
        int slot = (_start + _count) % _values.Length;
        _values[slot] = value;
        _counts[slot] = count;
        _count++;
    }

    public double Mean(int? window = null)
    {
        var (from, n) = Window(window);
        double sum = 0;
        long counts = 0;
        for (int i = from; i < from + n; i++)
        {
            sum += ValueAt(i);
            counts += CountAt(i);
        }
        return n == 0 ? double.NaN : sum / counts;
    }

    public double Min(int? window = null)
    {
        var (from, n) = Window(window);
        double min = double.PositiveInfinity;
        for (int i = from; i < from + n; i++) min = Math.Min(min, ValueAt(i));
        return min;
    }

    public double Max(int? window = null)
    {
        var (from, n) = Window(window);
        double max = double.NegativeInfinity;
        for (int i = from; i < from + n; i++) max = Math.Max(max, ValueAt(i));
        return max;
    }

    /// <summary>The held (value, count) pairs, oldest first.</summary>
    public (double[] Values, int[] Counts) Data()
    {
        var values = new double[_count];
        var counts = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            values[i] = ValueAt(i);
            counts[i] = CountAt(i);
        }
        return (values, counts);
    }

    private (int From, int Count) Window(int? window)
    {
        int n = window is { } w ? Math.Clamp(w, 0, _count) : _count;
        return (_count - n, n);
    }

    private double ValueAt(int i) => _values[(_start + i) % _values.Length];

    private int CountAt(int i) => _counts[(_start + i) % _counts.Length];

    private void Grow()
    {
        int size = (int)Math.Min((long)_values.Length * 2, MaxLength);
        var values = new double[size];
        var counts = new int[size];
        for (int i = 0; i < _count; i++)
        {
            values[i] = ValueAt(i);
            counts[i] = CountAt(i);
        }
        (_values, _counts, _start) = (values, counts, 0);
    }
}
