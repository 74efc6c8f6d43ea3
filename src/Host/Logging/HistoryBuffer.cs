namespace Kiln.Logging;

/// <summary>
/// MMEngine's <c>HistoryBuffer</c> (logging/history_buffer.py): the newest <see cref="MaxLength"/> (value, count)
/// pairs of one logged scalar. <see cref="Update"/> is O(1) instead of numpy's copy-per-append, which costs
/// milliseconds late in long runs (mmengine-internals §6.1), and statistics over a window read only that window.
/// Storage grows in chunks of up to 4,096 values, so a long run never copies its history or holds a doubled
/// array's slack, and counts take no memory while every count is 1 (the usual case): 8 bytes per logged value.
/// </summary>
public sealed class HistoryBuffer : IHistoryBuffer
{
    /// <summary>MMEngine's default <c>max_length</c>.</summary>
    public const int DefaultMaxLength = 1_000_000;

    private const int MaxChunkSize = 4096;

    private readonly int _chunkSize;
    // Value i (0 = oldest) is at chunk (_head + i) / _chunkSize, slot (_head + i) % _chunkSize. Only the first chunk
    // may be shorter than _chunkSize (it grows while it is the only one).
    private readonly List<double[]> _values = [];
    private List<int[]>? _counts;   // null while every count is 1
    private int _head;
    private int _count;

    public HistoryBuffer(int maxLength = DefaultMaxLength)
    {
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), "max_length must be positive.");
        MaxLength = maxLength;
        _chunkSize = Math.Min(MaxChunkSize, maxLength);
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
            _head++;
            _count--;
            if (_head == _chunkSize)
            {
                // The oldest chunk is empty now: it becomes the next chunk to fill (no allocation in a full buffer).
                _head = 0;
                Recycle(_values);
                if (_counts is not null) Recycle(_counts);
            }
        }
        int position = _head + _count;
        int chunk = position / _chunkSize, slot = position % _chunkSize;
        if (chunk == _values.Count) _values.Add(new double[_values.Count == 0 ? Math.Min(16, _chunkSize) : _chunkSize]);
        else if (slot == _values[chunk].Length) _values[chunk] = Grown(_values[chunk]);
        _values[chunk][slot] = value;
        if (count != 1 && _counts is null) _counts = _values.Select(v => Enumerable.Repeat(1, v.Length).ToArray()).ToList();
        if (_counts is not null)
        {
            if (chunk == _counts.Count) _counts.Add(new int[_values[chunk].Length]);
            else if (_counts[chunk].Length < _values[chunk].Length) _counts[chunk] = Grown(_counts[chunk], _values[chunk].Length);
            _counts[chunk][slot] = count;
        }
        _count++;

        static void Recycle<T>(List<T[]> chunks)
        {
            var oldest = chunks[0];
            chunks.RemoveAt(0);
            if (chunks.Count == 0 || chunks[^1].Length == oldest.Length) chunks.Add(oldest);
        }
    }

    /// <summary>The first chunk, doubled up to the chunk size.</summary>
    private T[] Grown<T>(T[] chunk, int? length = null)
    {
        var grown = new T[length ?? Math.Min(chunk.Length * 2, _chunkSize)];
        chunk.CopyTo(grown, 0);
        return grown;
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

    private double ValueAt(int i)
    {
        int position = _head + i;
        return _values[position / _chunkSize][position % _chunkSize];
    }

    private int CountAt(int i)
    {
        if (_counts is null) return 1;
        int position = _head + i;
        return _counts[position / _chunkSize][position % _chunkSize];
    }
}
