using System.Collections;
using Kiln.Checkpoints;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Evaluation;

/// <summary>
/// MMEngine's <c>DumpResults</c> metric (mmengine/evaluator/metric.py): keeps every data sample's predictions and,
/// at <see cref="ComputeMetrics"/>, writes them to <c>out_file_path</c> as a pickle, reporting no metric values.
/// Each entry is a plain dict (the sample's meta information, then its data fields, as
/// <c>BaseDataElement.to_dict()</c>) of numbers, strings and lists, written with protocol 2 so Python's
/// <c>pickle.load</c> reads it; arrays are copied when processed, so no tensor or shared buffer is held.
/// As in MMEngine, the file must end with <c>.pkl</c> or <c>.pickle</c>.
/// </summary>
[Register(Registries.Metrics)]
public sealed class DumpResults : BaseMetric
{
    /// <param name="outFilePath">The pickle file to write (<c>.pkl</c> or <c>.pickle</c>).</param>
    /// <param name="collectDevice">Where results are gathered across processes (<c>cpu</c> or <c>gpu</c>).</param>
    public DumpResults(string outFilePath, string collectDevice = "cpu")
        : base(null, collectDevice)
    {
        if (!outFilePath.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase) && !outFilePath.EndsWith(".pickle", StringComparison.OrdinalIgnoreCase))
            throw new KilnException($"DumpResults.out_file_path = '{outFilePath}': the output file must be a pkl file (ending in .pkl or .pickle), as in MMEngine.");
        OutFilePath = outFilePath;
    }

    public string OutFilePath { get; }

    public override void Process(DataBatch dataBatch, IReadOnlyList<DataSample> dataSamples)
    {
        foreach (var sample in dataSamples)
        {
            var entry = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in sample.MetaInfo) entry[key] = Plain(value, key);
            foreach (var (key, value) in sample.Fields) entry[key] = Plain(value, key);
            Results.Add(entry);
        }
    }

    /// <summary>Writes the entries as a pickled list of dicts and returns no metrics (MMEngine returns <c>{}</c>).</summary>
    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(OutFilePath));
        if (dir is not null) Directory.CreateDirectory(dir);
        using (var stream = File.Create(OutFilePath))
        {
            var writer = new PickleWriter(stream, _ => throw new KilnException("DumpResults holds no tensors; a tensor reached the writer."));
            writer.Write(results.ToList());
        }
        return new Dictionary<string, double>();
    }

    /// <summary>Reads a file written by <see cref="DumpResults"/> back: the list of per-sample dicts (<see cref="PyDict"/>).</summary>
    public static IReadOnlyList<object?> Load(string path)
    {
        if (!File.Exists(path)) throw new KilnException($"cannot read dumped results {path}: the file does not exist.");
        using var stream = File.OpenRead(path);
        var value = new PickleReader(stream, path, _ => throw new KilnException($"{path} holds tensors; DumpResults files hold plain values only.")).Read();
        return value as List<object?> ?? throw new KilnException($"{path} does not hold a list of results (it holds {value?.GetType().Name ?? "None"}).");
    }

    /// <summary>A copy of a sample value made of numbers, strings, bools, arrays, lists and dicts only.</summary>
    private static object? Plain(object? value, string key) => value switch
    {
        null or string or bool or double or float or long or int or short or byte or sbyte or uint or ulong or ushort => value,
        Array array => array.Cast<object?>().Select(v => Plain(v, key)).ToList(),
        IDictionary dict => dict.Cast<DictionaryEntry>().ToDictionary(e => e.Key, e => Plain(e.Value, key)),
        IList list => list.Cast<object?>().Select(v => Plain(v, key)).ToList(),
        _ => throw new KilnException($"DumpResults: data sample field '{key}' is a {value.GetType().FullName}; "
            + "only numbers, strings, bools, arrays, lists and dicts can be dumped."),
    };
}
