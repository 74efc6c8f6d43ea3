using Kiln.Distributed;
using TorchSharp;

namespace Kiln.Metrics.Tests;

/// <summary>Ranks as threads for distributed-evaluation tests: each runs under <see cref="Dist.Use"/> with an in-memory process group.</summary>
internal static class FakeRanks
{
    /// <summary>A fake in-memory process group: ranks are threads exchanging bytes through shared slots.</summary>
    private sealed class MemoryHub(int world)
    {
        private readonly Barrier _barrier = new(world);
        private readonly byte[][] _slots = new byte[world][];

        public int World => world;

        public IReadOnlyList<byte[]> Exchange(int rank, byte[] data)
        {
            _slots[rank] = data;
            _barrier.SignalAndWait();
            var copy = _slots.ToArray();
            _barrier.SignalAndWait();
            return copy;
        }
    }

    private sealed class MemoryRank(MemoryHub hub, int rank) : IProcessGroup
    {
        public int Rank => rank;
        public int WorldSize => hub.World;
        public int LocalRank => rank;
        public int LocalWorldSize => hub.World;
        public void Barrier() => hub.Exchange(rank, []);
        public void AllReduce(torch.Tensor tensor, string op = "sum") => throw new NotSupportedException();
        public void Broadcast(torch.Tensor tensor, int src = 0) => throw new NotSupportedException();
        public IReadOnlyList<torch.Tensor> AllGather(torch.Tensor tensor) => throw new NotSupportedException();
        public IReadOnlyList<byte[]> AllGatherBytes(byte[] data) => hub.Exchange(rank, data.ToArray());
    }

    public static T[] RunRanks<T>(int world, Func<int, T> body)
    {
        var hub = new MemoryHub(world);
        var tasks = Enumerable.Range(0, world).Select(rank => Task.Factory.StartNew(() =>
        {
            using (Dist.Use(new MemoryRank(hub, rank))) return body(rank);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromMinutes(1)), "ranks did not finish (deadlock in the fake group)");
        return tasks.Select(t => t.Result).ToArray();
    }
}
