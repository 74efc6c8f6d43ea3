using Kiln.Data;
using Kiln.Datasets;

namespace Kiln.Tests.Data;

/// <summary>ConcatDataset, RepeatDataset, ClassBalancedDataset (DATA-19..22; MMEngine's test_base_dataset.py wrapper classes).</summary>
public class DatasetWrapperTests
{
    /// <summary>A BaseDataset over a given data list (as MMEngine's tests mock parse_data_info), with categories.</summary>
    private sealed class ListDataset : BaseDataset
    {
        private readonly List<Dictionary<string, object?>> _items;
        private readonly int[][] _cats;

        public ListDataset(string name, int count, int[][]? cats = null, IReadOnlyDictionary<string, object?>? metainfo = null)
            : base(metainfo: metainfo ?? new Dictionary<string, object?> { ["task_name"] = "test_task" }, lazyInit: true,
                pipeline: [new FuncTransform(r => new Dictionary<string, object?> { ["inputs"] = r["filename"], ["idx"] = r["sample_idx"] })])
        {
            _items = Enumerable.Range(0, count).Select(i => new Dictionary<string, object?> { ["filename"] = $"{name}{i}.jpg" }).ToList();
            _cats = cats ?? Enumerable.Range(0, count).Select(_ => new[] { 0 }).ToArray();
            FullInit();
        }

        protected override List<Dictionary<string, object?>> LoadDataList() => _items.Select(d => new Dictionary<string, object?>(d)).ToList();

        public override IReadOnlyList<int> GetCatIds(int index) => _cats[index];
    }

    [Fact]
    public void Concat_LengthIndexMappingAndNegativeIndices() // DATA-19 (TestConcatDataset)
    {
        var a = new ListDataset("a", 3);
        var b = new ListDataset("b", 3);
        var cat = new ConcatDataset([a, b]);
        Assert.Equal(6, cat.Count);
        Assert.Equal((1, 0), cat.GetOriginalIndex(3));
        Assert.Equal((1, 2), cat.GetOriginalIndex(-1));
        Assert.Throws<KilnException>(() => cat.GetOriginalIndex(-10));
        Assert.Equal("a0.jpg", cat.Get(0).Inputs);
        Assert.Equal("b2.jpg", cat.Get(5).Inputs);
        Assert.Equal("b2.jpg", cat.GetDataInfo(-1)["filename"]);
        Assert.Equal(a.MetaInfo.Keys, cat.MetaInfo.Keys);
        Assert.Contains("get_subset", Assert.Throws<KilnException>(() => cat.GetSubset(1L)).Message);
        Assert.Throws<KilnException>(() => cat.GetSubsetInPlace(1L));
    }

    [Fact]
    public void Concat_DifferentMeta_NeedsIgnoreKeys() // DATA-19
    {
        var a = new ListDataset("a", 3);
        var b = new ListDataset("b", 3, metainfo: new Dictionary<string, object?> { ["task_name"] = "test_task", ["classes"] = "cat" });
        Assert.Throws<KilnException>(() => new ConcatDataset([a, b]));
        Assert.Throws<KilnException>(() => new ConcatDataset([b, a]));
        Assert.Throws<KilnException>(() => new ConcatDataset([a, b], ignoreKeys: new List<object?> { "a" }));
        Assert.Throws<KilnException>(() => new ConcatDataset([a, b], ignoreKeys: 1L));
        var ok = new ConcatDataset([a, b], ignoreKeys: "classes");
        Assert.Equal(6, ok.Count);
        Assert.Single(ok.MetaInfo);   // the first dataset's
    }

    [Fact]
    public void Repeat_IndexModuloLength() // DATA-20 (TestRepeatDataset)
    {
        var ds = new ListDataset("a", 3);
        var repeat = new RepeatDataset(ds, 5);
        Assert.Equal(15, repeat.Count);
        for (int i = 0; i < 5; i++) Assert.Equal(ds.GetDataInfo(0)["filename"], repeat.GetDataInfo(3 * i)["filename"]);
        Assert.Equal("a1.jpg", repeat.Get(7).Inputs);
        Assert.Throws<KilnException>(() => repeat.GetSubset(1L));
        var lazy = new RepeatDataset(ds, 2, lazyInit: true);
        Assert.False(lazy.FullyInitialized);
        Assert.Equal(6, lazy.Count);
    }

    [Fact]
    public void ClassBalanced_RepeatFactorsAsLvis() // DATA-21
    {
        // 10 images: category 0 in all, category 1 in image 0 only (f = 0.1), category 2 in images 0..3 (f = 0.4).
        int[][] cats = [[0, 1, 2], [0, 2], [0, 2], [0, 2], [0], [0], [0], [0], [0], []];
        var ds = new ListDataset("a", 10, cats);
        var factors = ClassBalancedDataset.GetRepeatFactors(ds, 0.5);
        // r(c) = max(1, sqrt(0.5 / f(c))): f(0) = 0.9 -> 1, f(1) = 0.1 -> sqrt(5), f(2) = 0.4 -> sqrt(1.25); no category -> 1.
        Assert.Equal(Math.Sqrt(5), factors[0], 12);
        Assert.Equal(Math.Sqrt(1.25), factors[1], 12);
        Assert.Equal(1.0, factors[4]);
        Assert.Equal(1.0, factors[9]);
        var balanced = new ClassBalancedDataset(ds, 0.5);
        // ceil(sqrt 5) = 3 copies of image 0, ceil(sqrt 1.25) = 2 of images 1..3, one of the rest.
        Assert.Equal([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9], balanced.RepeatIndices);
        Assert.Equal(15, balanced.Count);
        Assert.Equal(ds.GetCatIds(2), balanced.GetCatIds(5));
        Assert.Equal(ds.MetaInfo.Keys, balanced.MetaInfo.Keys);
        // MMEngine's test: 1e-3 with every image in category 0 repeats nothing
        Assert.Equal(3, new ClassBalancedDataset(new ListDataset("b", 3), 1e-3).Count);
        // settable as in MMEngine's tests; a reset recomputes
        balanced.RepeatIndices = [0, 0, 1, 1, 1];
        Assert.Equal(5, balanced.Count);
        Assert.Equal(ds.GetDataInfo(1)["filename"], balanced.GetDataInfo(4)["filename"]);
        balanced.ResetInit();
        Assert.Equal(15, balanced.Count);
        Assert.Throws<KilnException>(() => balanced.GetSubset(1L));
    }
}
