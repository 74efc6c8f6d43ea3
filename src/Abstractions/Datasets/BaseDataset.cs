using System.Collections;
using System.Text.Json;
using Kiln.Randomness;
using Kiln.Structures;

namespace Kiln.Datasets;

/// <summary>
/// MMEngine's <c>BaseDataset</c> (dataset/base_dataset.py, DATA-11..18, DATA-24): annotations in the OpenMMLab 2.0
/// format (a JSON file holding <c>metainfo</c> and <c>data_list</c>), paths joined with <c>data_root</c> and
/// <c>data_prefix</c>, <c>filter_cfg</c>, <c>indices</c>, <c>serialize_data</c>, <c>lazy_init</c>/<see cref="FullInit"/>,
/// a <c>pipeline</c> of transforms, <c>test_mode</c> and <c>max_refetch</c>. Subclasses override
/// <see cref="ParseDataInfo"/> or <see cref="LoadDataList"/>, and <see cref="ClassMetaInfo"/> for MMEngine's class
/// attribute <c>METAINFO</c>.
/// <para>
/// The sample a model gets (<see cref="Get"/>) is the pipeline's result dict, whose <c>inputs</c> and
/// <c>data_samples</c> (a <see cref="DataSample"/>) become the <see cref="Sample"/>; a pipeline therefore ends with a
/// packing transform (<c>PackInputs</c>).
/// </para>
/// <para>
/// A subclass whose <see cref="LoadDataList"/> reads its own constructor arguments passes <c>lazyInit: true</c> to
/// this constructor and calls <see cref="FullInit"/> at the end of its own when its <c>lazy_init</c> is false: C#
/// runs the base constructor before the subclass has stored anything.
/// </para>
/// </summary>
public class BaseDataset : IAnnotatedDataset
{
    private static readonly IReadOnlyDictionary<string, object?> NoMeta = new Dictionary<string, object?>();
    private readonly object _initLock = new();
    private readonly object? _indices;
    private Dictionary<string, object?> _metainfo;
    private List<Dictionary<string, object?>> _dataList = [];
    private byte[] _dataBytes = [];
    private long[] _dataAddress = [];
    private volatile bool _fullyInitialized;

    public BaseDataset(string? annFile = "", IReadOnlyDictionary<string, object?>? metainfo = null, string? dataRoot = "",
        IReadOnlyDictionary<string, object?>? dataPrefix = null, IReadOnlyDictionary<string, object?>? filterCfg = null,
        object? indices = null, bool serializeData = true, IEnumerable<ITransform>? pipeline = null, bool testMode = false,
        bool lazyInit = false, int maxRefetch = 1000)
    {
        AnnFile = annFile ?? "";
        DataRoot = dataRoot ?? "";
        var prefix = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in dataPrefix ?? new Dictionary<string, object?> { ["img_path"] = null })
            prefix[key] = value switch
            {
                null => "",
                string s => s,
                _ => throw new KilnException($"data_prefix['{key}'] = {value} must be a string path (prefix should be a string)."),
            };
        DataPrefix = prefix;
        FilterCfg = filterCfg is null ? null : (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(filterCfg)!;
        if (indices is not null and not long and not int and not IList)
            throw new KilnException($"indices = {indices} must be an int (the first/last N samples) or a list of sample indices.");
        _indices = indices;
        SerializeData = serializeData;
        TestMode = testMode;
        MaxRefetch = maxRefetch;
        _metainfo = LoadMetaInfo(metainfo);
        JoinPrefix();
        Pipeline = new Compose(pipeline);
        if (!lazyInit) FullInit();
    }

    /// <summary>MMEngine's class attribute <c>METAINFO</c>: meta information every instance starts from.</summary>
    protected virtual IReadOnlyDictionary<string, object?> ClassMetaInfo => NoMeta;

    /// <summary>The annotation file, joined with <see cref="DataRoot"/> when relative.</summary>
    public string AnnFile { get; private set; }

    public string DataRoot { get; }

    /// <summary>Data prefixes (<c>img_path</c>, …), each joined with <see cref="DataRoot"/> when relative.</summary>
    public Dictionary<string, string> DataPrefix { get; }

    public Dictionary<string, object?>? FilterCfg { get; }

    public bool SerializeData { get; }

    /// <summary>In test mode a pipeline that returns None is an error instead of a refetch.</summary>
    public bool TestMode { get; set; }

    public int MaxRefetch { get; }

    /// <summary>The pipeline; assignable, as in MMEngine's tests and tools.</summary>
    public ITransform Pipeline { get; set; }

    public bool FullyInitialized => _fullyInitialized;

    /// <summary>
    /// Meta information: <c>metainfo</c> argument &gt; <see cref="ClassMetaInfo"/> &gt; the annotation file's
    /// <c>metainfo</c>. A deep copy, as MMEngine returns one.
    /// </summary>
    public IReadOnlyDictionary<string, object?> MetaInfo => (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(_metainfo)!;

    /// <summary>The unserialized data list (empty when <see cref="SerializeData"/> has packed it).</summary>
    public IReadOnlyList<Dictionary<string, object?>> DataList => _dataList;

    public int Count
    {
        get
        {
            FullInit();
            return SerializeData ? _dataAddress.Length : _dataList.Count;
        }
    }

    /// <summary>
    /// MMEngine's <c>full_init</c>: load the data list, filter it, take the <c>indices</c> subset, serialize.
    /// Runs once; thread-safe, so a lazily initialised dataset may be handed to data-loading workers.
    /// </summary>
    public void FullInit()
    {
        if (_fullyInitialized) return;
        lock (_initLock)
        {
            if (_fullyInitialized) return;
            _dataList = LoadDataList();
            _dataList = FilterData();
            if (_indices is not null) _dataList = UnserializedSubset(_dataList, _indices);
            if (SerializeData)
            {
                (_dataBytes, _dataAddress) = DataInfoSerializer.Serialize(_dataList);
                _dataList = [];
            }
            _fullyInitialized = true;
        }
    }

    /// <summary>The <paramref name="index"/>-th data info (a copy; negative indices count from the end), with <c>sample_idx</c>.</summary>
    public Dictionary<string, object?> GetDataInfo(int index)
    {
        FullInit();
        int count = Count;
        int i = index < 0 ? count + index : index;
        if ((uint)i >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), $"{GetType().Name} has {count} samples; index {index} is out of range.");
        var info = SerializeData
            ? DataInfoSerializer.Deserialize(_dataBytes, _dataAddress, i)
            : (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(_dataList[i])!;
        info["sample_idx"] = (long)i;
        return info;
    }

    /// <summary>MMEngine's <c>parse_data_info</c>: joins every <c>data_prefix</c> key's prefix onto the raw info's value.</summary>
    protected virtual object ParseDataInfo(Dictionary<string, object?> rawDataInfo)
    {
        foreach (var (key, prefix) in DataPrefix)
        {
            if (!rawDataInfo.TryGetValue(key, out var value))
                throw new KilnException($"{GetType().Name}: raw data info {{{string.Join(", ", rawDataInfo.Keys)}}} does not contain the data_prefix key '{key}'; check data_prefix.");
            rawDataInfo[key] = PathJoin(prefix, value as string ?? throw new KilnException($"{GetType().Name}: raw data info '{key}' = {value} is not a string path."));
        }
        return rawDataInfo;
    }

    /// <summary>MMEngine's <c>filter_data</c>: keeps everything; subclasses apply <see cref="FilterCfg"/>.</summary>
    protected virtual List<Dictionary<string, object?>> FilterData() => _dataList;

    /// <summary>The category ids of sample <paramref name="index"/>; a dataset wrapped by ClassBalancedDataset overrides it.</summary>
    public virtual IReadOnlyList<int> GetCatIds(int index) =>
        throw new KilnException($"{GetType().Name} must implement GetCatIds (get_cat_ids) to be wrapped by ClassBalancedDataset.");

    /// <summary>
    /// MMEngine's <c>load_data_list</c>: reads <see cref="AnnFile"/> (JSON: a dict with <c>metainfo</c> and
    /// <c>data_list</c>), adds the file's meta information where none is set, and parses each raw info.
    /// </summary>
    protected virtual List<Dictionary<string, object?>> LoadDataList()
    {
        if (string.IsNullOrEmpty(AnnFile))
            throw new KilnException($"{GetType().Name}: ann_file is empty; set ann_file to an annotation file, or override LoadDataList.");
        var annotations = AnnotationFile.Load(AnnFile);
        if (annotations is not Dictionary<string, object?> dict)
            throw new KilnException($"{AnnFile}: the annotations must be a dict with 'metainfo' and 'data_list', but the file holds a {AnnotationFile.Kind(annotations)}.");
        if (!dict.TryGetValue("data_list", out var rawList) || !dict.TryGetValue("metainfo", out var meta))
            throw new KilnException($"{AnnFile}: the annotations must have 'data_list' and 'metainfo' keys; found {string.Join(", ", dict.Keys)}.");
        if (meta is not Dictionary<string, object?> metainfo)
            throw new KilnException($"{AnnFile}: 'metainfo' must be a dict, not a {AnnotationFile.Kind(meta)}.");
        if (rawList is not List<object?> raw)
            throw new KilnException($"{AnnFile}: 'data_list' must be a list, not a {AnnotationFile.Kind(rawList)}.");
        foreach (var (k, v) in metainfo) _metainfo.TryAdd(k, v);

        var dataList = new List<Dictionary<string, object?>>(raw.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            if (raw[i] is not Dictionary<string, object?> rawInfo)
                throw new KilnException($"{AnnFile}: data_list[{i}] must be a dict, not a {AnnotationFile.Kind(raw[i])}.");
            AddParsed(dataList, ParseDataInfo(rawInfo), i);
        }
        return dataList;
    }

    /// <summary>Adds what <see cref="ParseDataInfo"/> returned: one dict (image tasks) or a list of dicts (video frames).</summary>
    protected void AddParsed(List<Dictionary<string, object?>> dataList, object parsed, int rawIndex)
    {
        switch (parsed)
        {
            case Dictionary<string, object?> one: dataList.Add(one); break;
            case IEnumerable<Dictionary<string, object?>> many: dataList.AddRange(many); break;
            case IList list:
                foreach (var item in list)
                    dataList.Add(item as Dictionary<string, object?> ?? throw new KilnException(
                        $"{GetType().Name}.ParseDataInfo (data_list[{rawIndex}]) must return a dict or a list of dicts; the list holds a {AnnotationFile.Kind(item)}."));
                break;
            default:
                throw new KilnException($"{GetType().Name}.ParseDataInfo (data_list[{rawIndex}]) must return a dict or a list of dicts, not a {AnnotationFile.Kind(parsed)}.");
        }
    }

    /// <summary>Adds a meta key unless one is set already (how <see cref="LoadDataList"/> merges what it finds, like the file's <c>metainfo</c>).</summary>
    protected void AddMetaInfo(string key, object? value) => _metainfo.TryAdd(key, value);

    /// <summary>MMEngine's <c>prepare_data</c>: the data info through the pipeline.</summary>
    protected virtual Dictionary<string, object?>? PrepareData(int index) => Pipeline.Transform(GetDataInfo(index));

    /// <summary>
    /// MMEngine's <c>__getitem__</c>: the pipeline's result. Outside test mode a null result (a broken image, an
    /// augmentation that rejects the sample) refetches a random other index, up to <see cref="MaxRefetch"/> times.
    /// </summary>
    public Dictionary<string, object?> GetItem(int index)
    {
        FullInit();
        if (TestMode)
            return PrepareData(index) ?? throw new KilnException($"{GetType().Name}: the test-time pipeline returned None for sample {index}; it must not drop samples.");
        for (int attempt = 0; attempt <= MaxRefetch; attempt++)
        {
            var data = PrepareData(index);
            if (data is not null) return data;
            index = RandAnother();
        }
        throw new KilnException($"{GetType().Name}: cannot find a valid sample after {MaxRefetch} refetches; check the data paths and the pipeline.");
    }

    /// <summary>MMEngine's <c>_rand_another</c>, from the sample's seeded <see cref="KilnRandom.Current"/>.</summary>
    protected int RandAnother() => KilnRandom.Current.Next(Count);

    /// <summary>The sample as the DataLoader wants it: the pipeline result's <c>inputs</c> and <c>data_samples</c>.</summary>
    public virtual Sample Get(int index) => ToSample(GetItem(index), GetType().Name, index);

    /// <summary>Turns a packed results dict (<c>inputs</c>, optional <c>data_samples</c>) into a <see cref="Sample"/>.</summary>
    public static Sample ToSample(Dictionary<string, object?> results, string datasetName, int index)
    {
        if (!results.TryGetValue("inputs", out var inputs) || inputs is null)
            throw new KilnException(
                $"{datasetName}: sample {index}'s pipeline result has no 'inputs' (keys: {string.Join(", ", results.Keys)}); end the pipeline with a packing transform such as PackInputs.");
        var dataSample = results.TryGetValue("data_samples", out var ds) ? ds as DataSample : null;
        return new Sample(inputs, dataSample);
    }

    /// <summary>MMEngine's <c>get_subset_</c>: keeps only <paramref name="indices"/> (an int N: the first N, or the last -N; or a list).</summary>
    public void GetSubsetInPlace(object indices)
    {
        FullInit();
        var list = Materialize();
        var subset = UnserializedSubset(list, indices);
        if (SerializeData) (_dataBytes, _dataAddress) = DataInfoSerializer.Serialize(subset);
        else _dataList = subset;
    }

    /// <summary>MMEngine's <c>get_subset</c>: a copy holding only <paramref name="indices"/>; this dataset is unchanged.</summary>
    public BaseDataset GetSubset(object indices)
    {
        FullInit();
        var copy = (BaseDataset)MemberwiseClone();
        copy._metainfo = (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(_metainfo)!;
        var subset = UnserializedSubset(Materialize(), indices).Select(d => (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(d)!).ToList();
        if (SerializeData)
        {
            (copy._dataBytes, copy._dataAddress) = DataInfoSerializer.Serialize(subset);
            copy._dataList = [];
        }
        else copy._dataList = subset;
        return copy;
    }

    private List<Dictionary<string, object?>> Materialize()
    {
        if (!SerializeData) return _dataList;
        var list = new List<Dictionary<string, object?>>(_dataAddress.Length);
        for (int i = 0; i < _dataAddress.Length; i++) list.Add(DataInfoSerializer.Deserialize(_dataBytes, _dataAddress, i));
        return list;
    }

    private static List<Dictionary<string, object?>> UnserializedSubset(List<Dictionary<string, object?>> list, object indices)
    {
        switch (indices)
        {
            case int or long:
            {
                long n = Convert.ToInt64(indices);
                if (n > list.Count || -n > list.Count)
                    throw new KilnException($"indices = {n} is out of the dataset's length ({list.Count}).");
                return n >= 0 ? list.Take((int)n).ToList() : list.Skip(list.Count + (int)n).ToList();
            }
            case IList seq:
            {
                var result = new List<Dictionary<string, object?>>(seq.Count);
                foreach (var item in seq)
                {
                    long i = item switch
                    {
                        int v => v,
                        long v => v,
                        _ => throw new KilnException($"indices must be integers; got {AnnotationFile.Kind(item)} {item}."),
                    };
                    if (i >= list.Count || i < -list.Count)
                        throw new KilnException($"indices holds {i}, out of the dataset's range [-{list.Count}, {list.Count}).");
                    result.Add(list[(int)(i < 0 ? list.Count + i : i)]);
                }
                return result;
            }
            default:
                throw new KilnException($"indices should be an int or a sequence of ints, but got {AnnotationFile.Kind(indices)}.");
        }
    }

    private Dictionary<string, object?> LoadMetaInfo(IReadOnlyDictionary<string, object?>? metainfo)
    {
        var meta = (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(ClassMetaInfo)!;
        if (metainfo is null) return meta;
        foreach (var (k, v) in metainfo)
        {
            // MMEngine: a string value naming a file is read as a list of lines (list_from_file); any other string stays as is.
            if (v is string s && File.Exists(s))
                meta[k] = File.ReadAllLines(s).Cast<object?>().ToList();
            else meta[k] = DataInfoSerializer.DeepCopy(v);
        }
        return meta;
    }

    /// <summary>MMEngine's <c>_join_prefix</c>: relative <c>ann_file</c> and <c>data_prefix</c> values start at <c>data_root</c>.</summary>
    private void JoinPrefix()
    {
        if (AnnFile.Length > 0 && !Path.IsPathRooted(AnnFile)) AnnFile = PathJoin(DataRoot, AnnFile);
        foreach (var key in DataPrefix.Keys.ToList())
            if (!Path.IsPathRooted(DataPrefix[key])) DataPrefix[key] = PathJoin(DataRoot, DataPrefix[key]);
    }

    /// <summary>Python's <c>os.path.join</c> for two parts (an absolute second part wins; one separator between).</summary>
    public static string PathJoin(string a, string b)
    {
        if (Path.IsPathRooted(b) || a.Length == 0) return b;
        return a.EndsWith('/') || a.EndsWith(Path.DirectorySeparatorChar) ? a + b : a + "/" + b;
    }
}

/// <summary>Reads annotation files into plain values: dicts, lists, strings, longs, doubles, bools, null.</summary>
public static class AnnotationFile
{
    /// <summary>Loads <paramref name="path"/> (<c>.json</c>); a missing file or bad JSON is an error naming the file.</summary>
    public static object? Load(string path)
    {
        if (!File.Exists(path)) throw new KilnException($"annotation file {path} does not exist (resolved to {Path.GetFullPath(path)}).");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext != ".json")
            throw new KilnException($"annotation file {path}: only .json annotation files are read by Kiln (MMEngine also reads yaml and pickle); convert it to JSON.");
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            return FromJson(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new KilnException($"annotation file {path} is not valid JSON: {e.Message}", e);
        }
    }

    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>A value's kind in Python's words, for error messages.</summary>
    public static string Kind(object? value) => value switch
    {
        null => "None",
        string => "str",
        long or int => "int",
        double or float => "float",
        bool => "bool",
        IDictionary<string, object?> or IReadOnlyDictionary<string, object?> => "dict",
        IList => "list",
        _ => value.GetType().Name,
    };
}
