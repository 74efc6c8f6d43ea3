using System.Collections;
using Kiln.Datasets;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Data;

/// <summary>Shared parts of MMEngine's dataset wrappers (dataset/dataset_wrapper.py, DATA-19..22).</summary>
public abstract class DatasetWrapper : IAnnotatedDataset
{
    private readonly object _lock = new();
    private volatile bool _fullyInitialized;

    public abstract int Count { get; }

    public abstract IReadOnlyDictionary<string, object?> MetaInfo { get; }

    public bool FullyInitialized => _fullyInitialized;

    /// <summary>Initialises the wrapped datasets and the index mapping once (idempotent, thread-safe).</summary>
    public void FullInit()
    {
        if (_fullyInitialized) return;
        lock (_lock)
        {
            if (_fullyInitialized) return;
            Initialize();
            _fullyInitialized = true;
        }
    }

    /// <summary>Forgets the index mapping so the next access rebuilds it (MMEngine's tests set <c>_fully_initialized=False</c>).</summary>
    public void ResetInit() => _fullyInitialized = false;

    protected abstract void Initialize();

    /// <summary>The wrapped dataset and its index for <paramref name="index"/>.</summary>
    protected abstract (IDataset Dataset, int Index) Map(int index);

    public Sample Get(int index)
    {
        FullInit();
        var (dataset, i) = Map(index);
        return dataset.Get(i);
    }

    public Dictionary<string, object?> GetItem(int index)
    {
        FullInit();
        var (dataset, i) = Map(index);
        return Annotated(dataset).GetItem(i);
    }

    public Dictionary<string, object?> GetDataInfo(int index)
    {
        FullInit();
        var (dataset, i) = Map(index);
        return Annotated(dataset).GetDataInfo(i);
    }

    public virtual IReadOnlyList<int> GetCatIds(int index)
    {
        FullInit();
        var (dataset, i) = Map(index);
        return Annotated(dataset).GetCatIds(i);
    }

    /// <summary>MMEngine's wrappers do not support <c>get_subset</c>; wrap a subset of the inner dataset instead.</summary>
    public void GetSubsetInPlace(object indices) => throw NoSubset();

    public BaseDataset GetSubset(object indices) => throw NoSubset();

    private KilnException NoSubset() => new(
        $"{GetType().Name} does not support get_subset/get_subset_ (as MMEngine's dataset wrappers); take the subset of the wrapped dataset (indices=...) instead.");

    private IAnnotatedDataset Annotated(IDataset dataset) => dataset as IAnnotatedDataset
        ?? throw new KilnException($"{GetType().Name}: the wrapped {dataset.GetType().Name} is no BaseDataset, so it has no data infos (GetDataInfo/GetItem); use Get.");

    protected static void InitInner(IDataset dataset)
    {
        if (dataset is IAnnotatedDataset a) a.FullInit();
    }

    protected static IReadOnlyDictionary<string, object?> CopyMeta(IDataset dataset) =>
        (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(dataset.MetaInfo)!;

    /// <summary>Structural equality of meta values (lists, tuples, dicts, numbers, strings).</summary>
    internal static bool MetaEquals(object? a, object? b)
    {
        switch (a, b)
        {
            case (null, null): return true;
            case (null, _) or (_, null): return false;
            case (string x, string y): return x == y;
            case (IDictionary<string, object?> x, IDictionary<string, object?> y):
                return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && MetaEquals(kv.Value, v));
            case (IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y):
                return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && MetaEquals(kv.Value, v));
            case (IList x, IList y):
                if (x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++) if (!MetaEquals(x[i], y[i])) return false;
                return true;
            case (IConvertible x, IConvertible y) when x is not string && y is not string:
                return Convert.ToDouble(x, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDouble(y, System.Globalization.CultureInfo.InvariantCulture);
            default: return Equals(a, b);
        }
    }
}

/// <summary>
/// MMEngine's <c>ConcatDataset</c> (DATA-19): the datasets one after another. The meta information is the first
/// dataset's; every other dataset must have the same value for each key not in <c>ignore_keys</c>.
/// </summary>
[Register(Registries.Datasets)]
public sealed class ConcatDataset : DatasetWrapper
{
    private readonly IReadOnlyDictionary<string, object?> _metainfo;
    private int[] _cumulativeSizes = [];

    public ConcatDataset(IReadOnlyList<IDataset> datasets, bool lazyInit = false, object? ignoreKeys = null)
    {
        if (datasets.Count == 0) throw new KilnException("ConcatDataset.datasets is empty; give at least one dataset.");
        Datasets = datasets;
        var ignore = ignoreKeys switch
        {
            null => [],
            string s => [s],
            IList list when list.Cast<object?>().All(k => k is string) => list.Cast<string>().ToHashSet(),
            _ => throw new KilnException($"ConcatDataset.ignore_keys = {ignoreKeys} must be a string or a list of strings."),
        };
        _metainfo = CopyMeta(datasets[0]);
        var keys = datasets.SelectMany(d => d.MetaInfo.Keys).ToHashSet();
        for (int i = 1; i < datasets.Count; i++)
        {
            var meta = datasets[i].MetaInfo;
            foreach (var key in keys)
            {
                if (ignore.Contains(key)) continue;
                if (!meta.ContainsKey(key) || !_metainfo.ContainsKey(key))
                    throw new KilnException($"ConcatDataset: meta key '{key}' is in one dataset but not in datasets[{(meta.ContainsKey(key) ? 0 : i)}]; add it to ignore_keys to concatenate anyway.");
                if (!MetaEquals(_metainfo[key], meta[key]))
                    throw new KilnException($"ConcatDataset: datasets[0] and datasets[{i}] have different metainfo['{key}']; add '{key}' to ignore_keys to concatenate anyway.");
            }
        }
        if (!lazyInit) FullInit();
    }

    public IReadOnlyList<IDataset> Datasets { get; }

    public override IReadOnlyDictionary<string, object?> MetaInfo => (Dictionary<string, object?>)DataInfoSerializer.DeepCopy(_metainfo)!;

    public override int Count
    {
        get
        {
            FullInit();
            return _cumulativeSizes[^1];
        }
    }

    protected override void Initialize()
    {
        var sizes = new int[Datasets.Count];
        int total = 0;
        for (int i = 0; i < Datasets.Count; i++)
        {
            InitInner(Datasets[i]);
            total += Datasets[i].Count;
            sizes[i] = total;
        }
        _cumulativeSizes = sizes;
    }

    /// <summary>MMEngine's <c>_get_ori_dataset_idx</c>: (dataset index, sample index), negative indices from the end.</summary>
    public (int DatasetIndex, int SampleIndex) GetOriginalIndex(int index)
    {
        FullInit();
        int count = _cumulativeSizes[^1];
        if (index < 0)
        {
            if (-index > count)
                throw new KilnException($"ConcatDataset: absolute value of index ({index}) should not exceed the dataset length ({count}).");
            index = count + index;
        }
        if (index >= count) throw new ArgumentOutOfRangeException(nameof(index), $"ConcatDataset has {count} samples; index {index} is out of range.");
        int datasetIndex = UpperBound(_cumulativeSizes, index);
        return (datasetIndex, datasetIndex == 0 ? index : index - _cumulativeSizes[datasetIndex - 1]);
    }

    protected override (IDataset Dataset, int Index) Map(int index)
    {
        var (d, i) = GetOriginalIndex(index);
        return (Datasets[d], i);
    }

    /// <summary>Python's <c>bisect_right</c>.</summary>
    private static int UpperBound(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (value < sorted[mid]) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}

/// <summary>MMEngine's <c>RepeatDataset</c> (DATA-20): the dataset <c>times</c> times over (index modulo its length).</summary>
[Register(Registries.Datasets)]
public sealed class RepeatDataset : DatasetWrapper
{
    private int _innerCount;

    public RepeatDataset(IDataset dataset, int times, bool lazyInit = false)
    {
        if (times <= 0) throw new KilnException($"RepeatDataset.times must be a positive integer, got {times}.");
        Dataset = dataset;
        Times = times;
        if (!lazyInit) FullInit();
    }

    public IDataset Dataset { get; }

    public int Times { get; }

    public override IReadOnlyDictionary<string, object?> MetaInfo => CopyMeta(Dataset);

    public override int Count
    {
        get
        {
            FullInit();
            return Times * _innerCount;
        }
    }

    protected override void Initialize()
    {
        InitInner(Dataset);
        _innerCount = Dataset.Count;
    }

    protected override (IDataset Dataset, int Index) Map(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"RepeatDataset has {Count} samples; index {index} is out of range.");
        return (Dataset, index % _innerCount);
    }
}

/// <summary>
/// MMEngine's <c>ClassBalancedDataset</c> (DATA-21, from LVIS): every sample is repeated ⌈r⌉ times, where
/// r = max over its categories c of max(1, √(oversample_thr / f(c))) and f(c) is the fraction of samples
/// containing c (a sample without categories keeps r = 1). The wrapped dataset must implement <c>GetCatIds</c>.
/// </summary>
[Register(Registries.Datasets)]
public sealed class ClassBalancedDataset : DatasetWrapper
{
    private int[] _repeatIndices = [];

    public ClassBalancedDataset(IDataset dataset, double oversampleThr, bool lazyInit = false)
    {
        if (dataset is not IAnnotatedDataset)
            throw new KilnException($"ClassBalancedDataset wraps a BaseDataset that implements GetCatIds; {dataset.GetType().Name} is not one.");
        Dataset = dataset;
        OversampleThr = oversampleThr;
        if (!lazyInit) FullInit();
    }

    public IDataset Dataset { get; }

    public double OversampleThr { get; }

    /// <summary>The inner index of every sample (MMEngine's <c>repeat_indices</c>); settable as in MMEngine's tests.</summary>
    public IReadOnlyList<int> RepeatIndices
    {
        get { FullInit(); return _repeatIndices; }
        set => _repeatIndices = value.ToArray();
    }

    public override IReadOnlyDictionary<string, object?> MetaInfo => CopyMeta(Dataset);

    public override int Count => RepeatIndices.Count;

    protected override void Initialize()
    {
        InitInner(Dataset);
        var factors = GetRepeatFactors((IAnnotatedDataset)Dataset, OversampleThr);
        var indices = new List<int>();
        for (int i = 0; i < factors.Count; i++)
            for (int k = 0; k < (int)Math.Ceiling(factors[i]); k++) indices.Add(i);
        _repeatIndices = indices.ToArray();
    }

    /// <summary>MMEngine's <c>_get_repeat_factors</c>.</summary>
    public static IReadOnlyList<double> GetRepeatFactors(IAnnotatedDataset dataset, double repeatThr)
    {
        int n = dataset.Count;
        var freq = new Dictionary<int, double>();
        var catsOf = new HashSet<int>[n];
        for (int i = 0; i < n; i++)
        {
            catsOf[i] = dataset.GetCatIds(i).ToHashSet();
            foreach (var c in catsOf[i]) freq[c] = freq.GetValueOrDefault(c) + 1;
        }
        var repeat = freq.ToDictionary(kv => kv.Key, kv => Math.Max(1.0, Math.Sqrt(repeatThr / (kv.Value / n))));
        var factors = new double[n];
        for (int i = 0; i < n; i++)
            factors[i] = catsOf[i].Count == 0 ? 1.0 : catsOf[i].Max(c => repeat[c]);
        return factors;
    }

    protected override (IDataset Dataset, int Index) Map(int index)
    {
        var indices = RepeatIndices;
        if ((uint)index >= (uint)indices.Count) throw new ArgumentOutOfRangeException(nameof(index), $"ClassBalancedDataset has {indices.Count} samples; index {index} is out of range.");
        return (Dataset, indices[index]);
    }
}
