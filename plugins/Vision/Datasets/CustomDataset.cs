using Kiln.Datasets;
using Kiln.Registry;

namespace Kiln.Vision.Datasets;

/// <summary>
/// MMPretrain's <c>CustomDataset</c>: images under <c>data_root</c>/<c>data_prefix</c>. Without <c>ann_file</c> the
/// folder-per-class layout (<c>class_x/xxx.png</c>): classes are the sorted sub-folder names, every file with one of
/// <c>extensions</c> is a sample labelled by its folder. With <c>ann_file</c>: a <c>.txt</c> of
/// <c>relative/path label</c> lines (MMPretrain's format; a line without a label when <c>with_label=False</c>), or a
/// <c>.json</c> in the OpenMMLab 2.0 format (<c>metainfo</c> + <c>data_list</c> of <c>img_path</c>/<c>gt_label</c>).
/// The data info holds <c>img_path</c> and <c>gt_label</c>; the pipeline starts with <c>LoadImageFromFile</c>.
/// </summary>
[Register(Registries.Datasets, "CustomDataset")]
public class CustomDataset : BaseDataset
{
    public static readonly IReadOnlyList<string> DefaultExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".webp"];

    private readonly string _imgPrefix;

    public CustomDataset(string dataRoot = "", object? dataPrefix = null, string annFile = "", bool withLabel = true,
        IReadOnlyList<string>? extensions = null, IReadOnlyDictionary<string, object?>? metainfo = null,
        IEnumerable<ITransform>? pipeline = null, bool testMode = false, object? indices = null, bool serializeData = true,
        bool lazyInit = false, int maxRefetch = 1000)
        : base(annFile: annFile, metainfo: metainfo, dataRoot: dataRoot, dataPrefix: Prefix(dataPrefix), pipeline: pipeline,
            testMode: testMode, indices: indices, serializeData: serializeData, lazyInit: true, maxRefetch: maxRefetch)
    {
        WithLabel = withLabel;
        Extensions = (extensions ?? DefaultExtensions).Select(e => e.ToLowerInvariant()).ToList();
        _imgPrefix = DataPrefix.GetValueOrDefault("img_path") ?? DataRoot;
        if (!lazyInit) FullInit();
    }

    public bool WithLabel { get; }

    public IReadOnlyList<string> Extensions { get; }

    private static Dictionary<string, object?> Prefix(object? dataPrefix) => dataPrefix switch
    {
        null => new() { ["img_path"] = "" },
        string s => new() { ["img_path"] = s },
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => kv.Value),
        _ => throw new KilnException($"CustomDataset.data_prefix = {dataPrefix} must be a folder path or dict(img_path=...)."),
    };

    protected override List<Dictionary<string, object?>> LoadDataList()
    {
        if (AnnFile.Length > 0 && AnnFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return base.LoadDataList();
        return AnnFile.Length > 0 ? FromTextFile() : FromFolders();
    }

    private List<Dictionary<string, object?>> FromFolders()
    {
        string root = _imgPrefix.Length == 0 ? "." : _imgPrefix;
        if (!Directory.Exists(root))
            throw new KilnException($"{GetType().Name}: the image folder {root} does not exist (data_root + data_prefix; resolved to {Path.GetFullPath(root)}).");
        var classDirs = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (classDirs.Count == 0)
            throw new KilnException($"{GetType().Name}: {root} has no class sub-folders; the folder-per-class layout is {root}/<class>/<image>, or give ann_file.");
        var list = new List<Dictionary<string, object?>>();
        for (int label = 0; label < classDirs.Count; label++)
        {
            var files = Directory.EnumerateFiles(Path.Combine(root, classDirs[label]), "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
                list.Add(new Dictionary<string, object?> { ["img_path"] = file, ["gt_label"] = (long)label });
        }
        if (list.Count == 0)
            throw new KilnException($"{GetType().Name}: no images with extensions {string.Join(", ", Extensions)} under {root}.");
        // MMPretrain: classes come from the folder names unless metainfo gives them.
        SetClassesIfMissing(classDirs);
        return list;
    }

    private List<Dictionary<string, object?>> FromTextFile()
    {
        if (!File.Exists(AnnFile)) throw new KilnException($"{GetType().Name}: annotation file {AnnFile} does not exist.");
        var list = new List<Dictionary<string, object?>>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(AnnFile))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var info = new Dictionary<string, object?>();
            if (WithLabel)
            {
                int space = line.LastIndexOf(' ');
                if (space < 0 || !long.TryParse(line[(space + 1)..], out long label))
                    throw new KilnException($"{AnnFile}:{lineNo}: '{line}' is not 'path label' (set with_label=False for a list of paths).");
                info["img_path"] = PathJoin(_imgPrefix, line[..space]);
                info["gt_label"] = label;
            }
            else info["img_path"] = PathJoin(_imgPrefix, line);
            list.Add(info);
        }
        return list;
    }

    private void SetClassesIfMissing(IReadOnlyList<string> classes)
    {
        if (!MetaInfo.ContainsKey("classes")) AddMetaInfo("classes", classes.Cast<object?>().ToList());
    }

    public override IReadOnlyList<int> GetCatIds(int index) =>
        GetDataInfo(index).TryGetValue("gt_label", out var l) && l is long label ? [(int)label] : [];
}

/// <summary>The folder-per-class layout under torchvision's name: <see cref="CustomDataset"/> without <c>ann_file</c>.</summary>
[Register(Registries.Datasets, "ImageFolder")]
public sealed class ImageFolder(string dataRoot = "", object? dataPrefix = null, IReadOnlyList<string>? extensions = null,
    IReadOnlyDictionary<string, object?>? metainfo = null, IEnumerable<ITransform>? pipeline = null, bool testMode = false,
    object? indices = null, bool serializeData = true, bool lazyInit = false, int maxRefetch = 1000)
    : CustomDataset(dataRoot, dataPrefix, "", true, extensions, metainfo, pipeline, testMode, indices, serializeData, lazyInit, maxRefetch);
