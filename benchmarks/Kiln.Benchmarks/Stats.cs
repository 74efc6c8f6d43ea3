namespace Kiln.Benchmarks;

/// <summary>Order statistics shared by the benchmarks (linear interpolation between ranks, as numpy's default).</summary>
internal static class Stats
{
    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 0.5);

    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        double rank = p * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
