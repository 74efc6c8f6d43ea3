using Kiln.Data;
using Kiln.Datasets;
using Kiln.Structures;
using Kiln.TestKit;

namespace Kiln.Tests.Data;

/// <summary>
/// BaseDataset (DATA-11..18, DATA-24), ported from MMEngine's tests/test_dataset/test_base_dataset.py with its
/// fixture: tests/data/annotations/dummy_annotation.json (3 images, metainfo dataset_type/task_name/empty_list).
/// </summary>
public sealed class BaseDatasetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public BaseDatasetTests()
    {
        Directory.CreateDirectory(_dir.Combine("annotations"));
        File.WriteAllText(_dir.Combine("annotations", "dummy_annotation.json"), """
            {"metainfo": {"dataset_type": "test_dataset", "task_name": "test_task", "empty_list": []},
             "data_list": [
               {"img_path": "test_img.jpg", "height": 604, "width": 640, "instances": [{"bbox": [0, 0, 10, 20], "bbox_label": 1}]},
               {"img_path": "test_img.jpg", "height": 604, "width": 640, "instances": [{"bbox": [10, 10, 110, 120], "bbox_label": 2}]},
               {"img_path": "gray.jpg", "height": 288, "width": 512, "instances": [{"bbox": [0, 0, 10, 20], "bbox_label": 1}]}]}
            """);
        File.WriteAllText(_dir.Combine("annotations", "annotation_wrong_keys.json"), """{"meta": {}, "data_list": []}""");
        File.WriteAllText(_dir.Combine("annotations", "annotation_wrong_format.json"), """[{"img_path": "a.jpg"}]""");
        File.WriteAllText(_dir.Combine("classes.txt"), "dog\n");
    }

    public void Dispose() => _dir.Dispose();

    private BaseDataset Make(bool lazyInit = false, bool serializeData = true, object? indices = null, string prefix = "imgs",
        IReadOnlyDictionary<string, object?>? metainfo = null, string ann = "annotations/dummy_annotation.json", IEnumerable<ITransform>? pipeline = null) =>
        new(annFile: ann, dataRoot: _dir.Path + "/", dataPrefix: new Dictionary<string, object?> { ["img_path"] = prefix },
            lazyInit: lazyInit, serializeData: serializeData, indices: indices, metainfo: metainfo, pipeline: pipeline);

    private static ITransform Pack() => new FuncTransform(r => new Dictionary<string, object?> { ["inputs"] = r["img_path"], ["data_samples"] = null, ["sample_idx"] = r["sample_idx"] });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Init_FullInitUnlessLazy_LengthThree(bool serialize) // DATA-12, DATA-17
    {
        var eager = Make(serializeData: serialize);
        Assert.True(eager.FullyInitialized);
        Assert.Equal(3, eager.Count);
        Assert.Equal(serialize, eager.DataList.Count == 0);   // serialized: the list is packed away
        var lazy = Make(lazyInit: true);
        Assert.False(lazy.FullyInitialized);
        Assert.Equal(3, lazy.Count);   // len() runs full_init
        Assert.True(lazy.FullyInitialized);
    }

    [Fact]
    public void GetDataInfo_JoinsDataRootAndPrefix_AddsSampleIdx() // DATA-13, DATA-14
    {
        var info = Make().GetDataInfo(0);
        Assert.Equal(_dir.Path + "/imgs/test_img.jpg", info["img_path"]);
        Assert.Equal(0L, info["sample_idx"]);
        Assert.Equal(604L, info["height"]);
        Assert.Equal(1L, Make().GetDataInfo(-2)["sample_idx"]);   // negative indices count from the end
        Assert.Equal(_dir.Path + "/annotations/dummy_annotation.json", Make().AnnFile);
    }

    [Fact]
    public void Serialized_AndUnserialized_GiveEqualFreshCopies() // DATA-18
    {
        var a = Make(serializeData: true).GetDataInfo(1);
        var b = Make(serializeData: false).GetDataInfo(1);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a), System.Text.Json.JsonSerializer.Serialize(b));
        var ds = Make(serializeData: false);
        ds.GetDataInfo(0)["height"] = 1L;
        Assert.Equal(604L, ds.GetDataInfo(0)["height"]);   // a copy, as MMEngine's deepcopy
    }

    [Fact]
    public void BadAnnotationFiles_ErrorsNameTheFile()
    {
        Assert.Contains("not_existed_annotation.json", Assert.Throws<KilnException>(() => Make(ann: "annotations/not_existed_annotation.json")).Message);
        Assert.Contains("ann_file is empty", Assert.Throws<KilnException>(() => Make(ann: "")).Message);
        Assert.Contains("'data_list' and 'metainfo'", Assert.Throws<KilnException>(() => Make(ann: "annotations/annotation_wrong_keys.json")).Message);
        Assert.Contains("annotation_wrong_format.json", Assert.Throws<KilnException>(() => Make(ann: "annotations/annotation_wrong_format.json")).Message);
        Assert.Contains("does not contain the data_prefix key 'seg'", Assert.Throws<KilnException>(() =>
            new BaseDataset(annFile: "annotations/dummy_annotation.json", dataRoot: _dir.Path, dataPrefix: new Dictionary<string, object?> { ["seg"] = "s" })).Message);
        // MMEngine: Test `ann_file` and `data_root` could be None (with lazy init nothing is read).
        Assert.False(new BaseDataset(annFile: null, dataRoot: null, lazyInit: true).FullyInitialized);
    }

    private sealed class MetaDataset(IReadOnlyDictionary<string, object?>? metainfo, string root, bool lazy)
        : BaseDataset(annFile: "annotations/dummy_annotation.json", dataRoot: root, metainfo: metainfo, lazyInit: lazy)
    {
        protected override IReadOnlyDictionary<string, object?> ClassMetaInfo { get; } =
            new Dictionary<string, object?> { ["dataset_type"] = "new_dataset", ["classes"] = new List<object?> { "dog", "cat" } };
    }

    [Fact]
    public void MetaInfo_ArgumentOverClassOverFile() // DATA-12 (test_meta)
    {
        Assert.Equal("""{"dataset_type":"test_dataset","task_name":"test_task","empty_list":[]}""",
            System.Text.Json.JsonSerializer.Serialize(Make().MetaInfo));
        var cls = new MetaDataset(null, _dir.Path, false).MetaInfo;
        Assert.Equal("new_dataset", cls["dataset_type"]);
        Assert.Equal("test_task", cls["task_name"]);
        Assert.Equal(new List<object?> { "dog", "cat" }, cls["classes"]);
        var arg = new MetaDataset(new Dictionary<string, object?> { ["classes"] = new List<object?> { "dog" }, ["task_name"] = "new_task" }, _dir.Path, false).MetaInfo;
        Assert.Equal("new_task", arg["task_name"]);
        Assert.Equal(new List<object?> { "dog" }, arg["classes"]);
        // a string naming a file is read as a list of lines
        var file = new MetaDataset(new Dictionary<string, object?> { ["classes"] = _dir.Combine("classes.txt") }, _dir.Path, false).MetaInfo;
        Assert.Equal(new List<object?> { "dog" }, file["classes"]);
        // lazy: the file's metainfo is not read yet
        var lazy = new MetaDataset(new Dictionary<string, object?> { ["classes"] = new List<object?> { "dog" } }, _dir.Path, true).MetaInfo;
        Assert.Equal(["dataset_type", "classes"], lazy.Keys);
        // the metainfo returned is a copy
        var ds = Make();
        ((List<object?>)ds.MetaInfo["empty_list"]!).Add(1L);
        Assert.Empty((List<object?>)ds.MetaInfo["empty_list"]!);
    }

    [Fact]
    public void Compose_StopsAtNone_AndPrintsAsMMEngine() // DATA-23 (test_compose)
    {
        var identity = new FuncTransform(r => r, "function_pipeline");
        var none = new FuncTransform(_ => null, "none_func");
        var data = new Dictionary<string, object?> { ["img"] = 1 };
        Assert.Same(data, new Compose([identity]).Transform(data));
        Assert.Null(new Compose([none, identity]).Transform(data));
        Assert.Equal("Compose(\n    none_func\n    function_pipeline\n)", new Compose([none, identity]).ToString());
        Assert.Same(data, new Compose(null).Transform(data));
        Assert.Same(data, new Compose([]).Transform(data));
    }

    [Fact]
    public void GetItem_RefetchesOnNone_TestModeThrows() // DATA-12 max_refetch (test_getitem)
    {
        var ds = Make(pipeline: [new FuncTransform(r => (long)r["sample_idx"]! == 0 ? null : r), Pack()]);
        using (Randomness.KilnRandom.Use(new Random(0)))
            Assert.NotEqual(0L, ds.GetItem(0)["sample_idx"]);
        ds.TestMode = true;
        Assert.Contains("test-time pipeline returned None", Assert.Throws<KilnException>(() => ds.GetItem(0)).Message);
        var never = new BaseDataset(annFile: "annotations/dummy_annotation.json", dataRoot: _dir.Path, pipeline: [new FuncTransform(_ => null)], maxRefetch: 3);
        Assert.Contains("after 3 refetches", Assert.Throws<KilnException>(() => never.GetItem(0)).Message);
        Assert.Contains("PackInputs", Assert.Throws<KilnException>(() => Make().Get(0)).Message);
        Assert.Equal(_dir.Path + "/imgs/test_img.jpg", Make(pipeline: [Pack()]).Get(0).Inputs);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void GetSubset_MMEngineSemantics(bool lazyInit, bool serializeData) // DATA-16, DBG-01 (test_get_subset_, test_get_subset)
    {
        var ds = Make(lazyInit: lazyInit, serializeData: serializeData, prefix: "");
        string Path(BaseDataset d, int i) => (string)d.GetDataInfo(i)["img_path"]!;
        var heights = Enumerable.Range(0, 3).Select(i => (long)ds.GetDataInfo(i)["height"]!).ToArray();

        var first2 = ds.GetSubset(2L);
        Assert.Equal(2, first2.Count);
        Assert.Equal(Path(ds, 0), Path(first2, 0));
        var last2 = ds.GetSubset(-2L);
        Assert.Equal(2, last2.Count);
        Assert.Equal(heights[2], (long)last2.GetDataInfo(1)["height"]!);
        Assert.Equal(1L, last2.GetDataInfo(1)["sample_idx"]);   // sample_idx is the position in the subset
        Assert.Equal(0, ds.GetSubset(0L).Count);
        Assert.Equal(0, ds.GetSubset(new List<object?>()).Count);
        var reversed = ds.GetSubset(new List<object?> { -1L, -2L, 0L });
        Assert.Equal([heights[2], heights[1], heights[0]], Enumerable.Range(0, 3).Select(i => (long)reversed.GetDataInfo(i)["height"]!));
        Assert.Equal(3, ds.Count);   // get_subset leaves the original alone

        ds.GetSubsetInPlace(new List<object?> { 2L });
        Assert.Equal(1, ds.Count);
        Assert.Equal(heights[2], (long)ds.GetDataInfo(0)["height"]!);
        Assert.Contains("int or a sequence", Assert.Throws<KilnException>(() => ds.GetSubsetInPlace("x")).Message);

        // DATA-24: indices at construction take the subset during full_init
        var sliced = Make(prefix: "", indices: 1L);
        Assert.Equal(1, sliced.Count);
        Assert.Equal(Path(Make(prefix: ""), 0), Path(sliced, 0));
    }

    private sealed class TwoPerRaw(string root) : BaseDataset(annFile: "annotations/dummy_annotation.json", dataRoot: root)
    {
        protected override object ParseDataInfo(Dictionary<string, object?> raw) =>
            new List<Dictionary<string, object?>> { raw, new(raw) };
    }

    private sealed class BadParse(string root) : BaseDataset(annFile: "annotations/dummy_annotation.json", dataRoot: root)
    {
        protected override object ParseDataInfo(Dictionary<string, object?> raw) => "xxx";
    }

    [Fact]
    public void ParseDataInfo_ListOfDicts_ExtendsTheList_OtherTypesAreErrors() // DATA-14
    {
        Assert.Equal(6, new TwoPerRaw(_dir.Path).Count);
        Assert.Contains("must return a dict or a list of dicts", Assert.Throws<KilnException>(() => new BadParse(_dir.Path)).Message);
    }

    private sealed class OwnList : BaseDataset
    {
        private readonly int _n;

        public OwnList(int n, bool lazyInit = false) : base(lazyInit: true)
        {
            _n = n;
            if (!lazyInit) FullInit();
        }

        protected override List<Dictionary<string, object?>> LoadDataList() =>
            Enumerable.Range(0, _n).Select(i => new Dictionary<string, object?> { ["value"] = (long)i, ["arr"] = new float[] { i, i + 0.5f } }).ToList();
    }

    [Fact]
    public void LoadDataList_Override_WithOwnState_ByFullInitAfterConstruction() // DATA-15
    {
        var ds = new OwnList(4);
        Assert.Equal(4, ds.Count);
        Assert.Equal(new float[] { 3, 3.5f }, ds.GetDataInfo(3)["arr"]);   // arrays survive serialisation with their type
    }
}
