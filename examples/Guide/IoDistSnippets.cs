using Kiln.Distributed;
using Kiln.IO;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/fileio-and-distributed.md.</summary>
public static class IoDistSnippets
{
    [Snippet("fileio")]
    public static void Files()
    {
        #region guide:fileio
        FileIO.Dump(new Dictionary<string, object?> { ["lr"] = 0.01, ["classes"] = new List<object?> { "cat", "dog" } }, "meta.yaml");
        var loaded = (IDictionary<object, object?>)FileIO.Load("meta.yaml")!;   // a dict with Python's key types
        Console.WriteLine($"lr: {loaded["lr"]}, classes: {string.Join(", ", (IEnumerable<object?>)loaded["classes"]!)}");
        File.WriteAllLines("names.txt", ["a", "b", "c"]);
        Console.WriteLine($"list: {string.Join(", ", FileIO.ListFromFile("names.txt", prefix: "img/", offset: 1))}");
        #endregion
    }

    [Snippet("dist")]
    public static void Collectives()
    {
        #region guide:dist
        using var scope = torch.NewDisposeScope();
        var values = torch.tensor(new[] { 1f, 2f });
        Dist.Current.AllReduce(values);   // summed over the ranks; one process here
        Console.WriteLine($"rank {Dist.Rank} of {Dist.WorldSize}: {string.Join(", ", values.data<float>().ToArray())}");
        Dist.MasterOnly(() => Console.WriteLine("only rank 0 prints this"));
        #endregion
    }
}
