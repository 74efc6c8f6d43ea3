namespace Kiln.Logging;

/// <summary>MMEngine's <c>HistoryBuffer</c>: a bounded history of (value, count) pairs with window statistics.</summary>
public interface IHistoryBuffer
{
    /// <summary>How many values are held.</summary>
    int Count { get; }

    /// <summary>The latest value; an empty buffer throws.</summary>
    double Current { get; }

    /// <summary>Sum of the last <paramref name="window"/> values over the sum of their counts (all when null).</summary>
    double Mean(int? window = null);

    double Min(int? window = null);

    double Max(int? window = null);
}
