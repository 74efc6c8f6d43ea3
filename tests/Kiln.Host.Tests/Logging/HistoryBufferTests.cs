using Kiln.Logging;

namespace Kiln.Tests.Logging;

/// <summary>MMEngine's test_history_buffer.py expectations (LOG-05).</summary>
public class HistoryBufferTests
{
    [Fact]
    public void Statistics_FiveValues_MatchMMEngine()
    {
        var buffer = new HistoryBuffer();
        foreach (var v in new[] { 1.0, 2, 3, 4, 5 }) buffer.Update(v);
        Assert.Equal(3, buffer.Mean());
        Assert.Equal(1, buffer.Min());
        Assert.Equal(5, buffer.Max());
        Assert.Equal(5, buffer.Current);
        Assert.Equal(4.5, buffer.Mean(2));
        Assert.Equal(4, buffer.Min(2));
    }

    [Fact]
    public void Mean_WithCounts_DividesSumOfValuesBySumOfCounts()
    {
        var buffer = new HistoryBuffer();
        buffer.Update(1, 2);
        buffer.Update(3, 2);
        Assert.Equal(1.0, buffer.Mean()); // (1 + 3) / (2 + 2): values are not multiplied by counts
    }

    [Fact]
    public void Update_BeyondMaxLength_KeepsTheNewest()
    {
        var buffer = new HistoryBuffer(maxLength: 3);
        for (int i = 1; i <= 7; i++) buffer.Update(i);
        Assert.Equal(3, buffer.Count);
        Assert.Equal(new double[] { 5, 6, 7 }, buffer.Data().Values);
        Assert.Equal(6, buffer.Mean());
    }

    [Fact]
    public void DefaultMaxLength_IsMMEngines()
    {
        Assert.Equal(1_000_000, new HistoryBuffer().MaxLength);
    }

    [Fact]
    public void Current_Empty_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new HistoryBuffer().Current);
    }

    /// <summary>
    /// Long histories across the 4,096-value storage chunks, with and without a full buffer, counts all 1 at first and
    /// mixed later: every statistic and the data match a plain list that keeps the newest max_length pairs.
    /// </summary>
    [Theory]
    [InlineData(1_000_000, 10_000)]
    [InlineData(5_000, 23_000)]
    [InlineData(4_096, 9_000)]
    [InlineData(7, 100)]
    [InlineData(1, 10)]
    public void Update_ManyValues_MatchesAPlainList(int maxLength, int updates)
    {
        var buffer = new HistoryBuffer(maxLength);
        var values = new List<double>();
        var counts = new List<int>();
        var random = new Random(3);
        for (int i = 0; i < updates; i++)
        {
            double value = Math.Round(random.NextDouble() * 100, 3);
            int count = i < updates / 2 ? 1 : random.Next(1, 4);
            buffer.Update(value, count);
            values.Add(value);
            counts.Add(count);
            if (values.Count > maxLength)
            {
                values.RemoveAt(0);
                counts.RemoveAt(0);
            }
            if (i % 997 != 0 && i != updates - 1 && i != updates / 2) continue;
            Assert.Equal(values.Count, buffer.Count);
            Assert.Equal(values.ToArray(), buffer.Data().Values);
            Assert.Equal(counts.ToArray(), buffer.Data().Counts);
            Assert.Equal(values.Sum() / counts.Sum(), buffer.Mean(), 9);
            int window = Math.Min(values.Count, 50);
            Assert.Equal(values.TakeLast(window).Sum() / counts.TakeLast(window).Sum(), buffer.Mean(window), 9);
            Assert.Equal(values.TakeLast(window).Min(), buffer.Min(window));
            Assert.Equal(values.Max(), buffer.Max());
            Assert.Equal(values[^1], buffer.Current);
        }
    }
}
