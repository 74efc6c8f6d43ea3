using Kiln.Datasets;
using Kiln.Registry;
using Kiln.Vision.Transforms;

namespace Kiln.Vision.Datasets;

/// <summary>
/// MMPretrain's <c>CIFAR10</c> on the binary version of the data (<c>cifar-10-batches-bin/</c>:
/// <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>, <c>test_batch.bin</c>; each record one label byte and
/// 3072 pixel bytes, R then G then B planes of 32×32). A BaseDataset: the data info holds <c>img</c> (the record's
/// pixels) and <c>gt_label</c>; the pipeline gets <c>img</c> as an H×W×C image in RGB order, as MMPretrain keeps
/// CIFAR, so a pipeline is typically <c>[RandomCrop(32, padding=4), RandomFlip(0.5), PackInputs()]</c>.
/// <c>download=True</c> fetches and extracts <c>cifar-10-binary.tar.gz</c> (md5 verified).
/// </summary>
[Register(Registries.Datasets, "CIFAR10")]
public class Cifar10 : BaseDataset
{
    private static readonly string[] Cifar10Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public Cifar10(string dataRoot = "", bool testMode = false, bool download = false, string? urlPrefix = null,
        IReadOnlyDictionary<string, object?>? metainfo = null, IEnumerable<ITransform>? pipeline = null, object? indices = null,
        bool serializeData = true, bool lazyInit = false, int maxRefetch = 1000)
        : this(dataRoot, testMode, download, urlPrefix, metainfo, pipeline, indices, serializeData, lazyInit, maxRefetch,
            new Layout("cifar-10-batches-bin", ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
                ["test_batch.bin"], LabelBytes: 1, "https://www.cs.toronto.edu/~kriz/", "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"))
    {
    }

    protected Cifar10(string dataRoot, bool testMode, bool download, string? urlPrefix, IReadOnlyDictionary<string, object?>? metainfo,
        IEnumerable<ITransform>? pipeline, object? indices, bool serializeData, bool lazyInit, int maxRefetch, Layout layout)
        : base(dataRoot: dataRoot, metainfo: metainfo, pipeline: pipeline, indices: indices, serializeData: serializeData,
            testMode: testMode, lazyInit: true, maxRefetch: maxRefetch)
    {
        FileLayout = layout;
        Download = download;
        UrlPrefix = urlPrefix;
        if (!lazyInit) FullInit();
    }

    /// <summary>The files of one CIFAR variant (folder, train and test files, label bytes per record, archive).</summary>
    protected sealed record Layout(string Folder, string[] Train, string[] Test, int LabelBytes, string UrlPrefix, string Archive, string Md5);

    protected Layout FileLayout { get; }

    public bool Download { get; }

    public string? UrlPrefix { get; }

    protected override IReadOnlyDictionary<string, object?> ClassMetaInfo { get; } = new Dictionary<string, object?> { ["classes"] = Cifar10Classes.Cast<object?>().ToList() };

    protected override List<Dictionary<string, object?>> LoadDataList()
    {
        string root = Path.GetFullPath(DataRoot.Length == 0 ? "." : DataRoot);
        string folder = Path.Combine(root, FileLayout.Folder);
        var files = TestMode ? FileLayout.Test : FileLayout.Train;
        if (!files.All(f => File.Exists(Path.Combine(folder, f))))
        {
            if (!Download)
                throw new KilnException($"{GetType().Name}: {string.Join(", ", files.Where(f => !File.Exists(Path.Combine(folder, f))))} missing in {folder}; set download=True to fetch {FileLayout.Archive}.");
            string prefix = UrlPrefix ?? FileLayout.UrlPrefix;
            string archive = Path.Combine(root, FileLayout.Archive);
            Datasets.Download.File(prefix.TrimEnd('/') + "/" + FileLayout.Archive, archive, FileLayout.Md5);
            Datasets.Download.ExtractTarGz(archive, root);
        }
        int recordSize = FileLayout.LabelBytes + 3072;
        var list = new List<Dictionary<string, object?>>();
        foreach (var name in files)
        {
            string path = Path.Combine(folder, name);
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % recordSize != 0)
                throw new KilnException($"{path} is {bytes.Length} bytes, not a whole number of {recordSize}-byte CIFAR records; the file is truncated or corrupt.");
            for (int offset = 0; offset < bytes.Length; offset += recordSize)
            {
                int label = bytes[offset + FileLayout.LabelBytes - 1];   // CIFAR-100: coarse, then fine; the fine label is used
                list.Add(new Dictionary<string, object?>
                {
                    ["img"] = bytes.AsSpan(offset + FileLayout.LabelBytes, 3072).ToArray(),
                    ["gt_label"] = (long)label,
                });
            }
        }
        return list;
    }

    public override IReadOnlyList<int> GetCatIds(int index) => [(int)(long)GetDataInfo(index)["gt_label"]!];

    /// <summary>The record's planes as a 32×32×3 RGB image, then the pipeline.</summary>
    protected override Dictionary<string, object?>? PrepareData(int index)
    {
        var info = GetDataInfo(index);
        var planes = (byte[])info["img"]!;
        var img = new Image(32, 32, 3);
        for (int p = 0; p < 1024; p++)
            for (int c = 0; c < 3; c++) img.Data[p * 3 + c] = planes[c * 1024 + p];
        info["img"] = img;
        info["img_shape"] = new long[] { 32, 32 };
        info["ori_shape"] = new long[] { 32, 32 };
        return Pipeline.Transform(info);
    }
}

/// <summary>
/// MMPretrain's <c>CIFAR100</c> on the binary version (<c>cifar-100-binary/train.bin</c>, <c>test.bin</c>; each record
/// a coarse and a fine label byte then 3072 pixel bytes); <c>gt_label</c> is the fine label (100 classes).
/// </summary>
[Register(Registries.Datasets, "CIFAR100")]
public sealed class Cifar100(string dataRoot = "", bool testMode = false, bool download = false, string? urlPrefix = null,
    IReadOnlyDictionary<string, object?>? metainfo = null, IEnumerable<ITransform>? pipeline = null, object? indices = null,
    bool serializeData = true, bool lazyInit = false, int maxRefetch = 1000)
    : Cifar10(dataRoot, testMode, download, urlPrefix, metainfo, pipeline, indices, serializeData, lazyInit, maxRefetch,
        new Layout("cifar-100-binary", ["train.bin"], ["test.bin"], LabelBytes: 2, "https://www.cs.toronto.edu/~kriz/", "cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"))
{
    protected override IReadOnlyDictionary<string, object?> ClassMetaInfo { get; } =
        new Dictionary<string, object?> { ["classes"] = FineClasses.Cast<object?>().ToList() };

    private static readonly string[] FineClasses = ["apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm"];
}
