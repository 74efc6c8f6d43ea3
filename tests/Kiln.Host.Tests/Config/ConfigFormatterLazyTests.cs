using Kiln.Config;

namespace Kiln.Tests.Config;

/// <summary>
/// RUN-01: the Runner logs its config, which may hold ready objects (Runner.Create); a lazy sequence such as a
/// DataLoader must not be enumerated (a whole epoch of batches) to print it.
/// </summary>
public sealed class ConfigFormatterLazyTests
{
    private sealed class NeverEnumerate : IEnumerable<int>
    {
        public IEnumerator<int> GetEnumerator() => throw new InvalidOperationException("enumerated");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "NeverEnumerate";
    }

    [Fact]
    public void Format_LazySequence_PrintsItsNameWithoutEnumerating()
    {
        var cfg = new ConfigDict { ["train_dataloader"] = new NeverEnumerate(), ["list"] = new List<object?> { 1L, "a" }, ["set"] = new HashSet<long> { 3 } };
        Assert.Equal("{'train_dataloader': NeverEnumerate, 'list': [1, 'a'], 'set': [3]}", ConfigFormatter.Format(cfg));
    }
}
