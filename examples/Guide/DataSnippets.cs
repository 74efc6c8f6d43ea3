using Kiln.Data;
using Kiln.Datasets;
using Kiln.Structures;
using TorchSharp;

namespace Kiln.Guide;

/// <summary>docs/guide/data.md.</summary>
public static class DataSnippets
{
    [Snippet("dataloader")]
    public static void Dataloader()
    {
        #region guide:dataloader
        var dataset = new MyDataset(size: 10, seed: 0);
        using var loader = new DataLoader(dataset, new DefaultSampler(dataset, shuffle: true, seed: 42),
            batchSize: 4, collate: Collate.DefaultCollate);
        Console.WriteLine($"batches per epoch: {loader.Count}");
        foreach (DataBatch batch in loader)
        {
            using var scope = torch.NewDisposeScope();
            var inputs = (torch.Tensor)batch.StackedInputs!;
            Console.WriteLine($"inputs [{string.Join(", ", inputs.shape)}], labels {string.Join(" ", batch.DataSamples.Select(s => s!.GtLabel))}");
        }
        #endregion
    }

    [Snippet("basedataset")]
    public static void AnnotatedDataset()
    {
        #region guide:basedataset
        Directory.CreateDirectory("data");
        File.WriteAllText("data/annotations.json", """
            {"metainfo": {"classes": ["cat", "dog"]},
             "data_list": [{"img_path": "a.jpg", "gt_label": 0, "pair": [1.0, 2.0]},
                           {"img_path": "b.jpg", "gt_label": 1, "pair": [3.0, 4.0]},
                           {"img_path": "c.jpg", "gt_label": 1, "pair": [5.0, 6.0]}]}
            """);
        var dataset = new BaseDataset(annFile: "annotations.json", dataRoot: "data",   // ann_file is under data_root
            dataPrefix: new Dictionary<string, object?> { ["img_path"] = "images" },
            pipeline: [new ScalePair(factor: 10)]);
        Console.WriteLine($"{dataset.Count} samples, classes: {string.Join(", ", (IEnumerable<object?>)dataset.MetaInfo["classes"]!)}");
        var item = dataset.GetItem(1);
        Console.WriteLine($"img_path: {item["img_path"]}, pair: {string.Join(", ", (double[])item["pair"]!)}");
        var subset = dataset.GetSubset(new[] { 0, 2 });
        Console.WriteLine($"subset of {subset.Count}: {string.Join(", ", Enumerable.Range(0, subset.Count).Select(i => subset.GetDataInfo(i)["img_path"]))}");
        #endregion
    }
}
