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
}
