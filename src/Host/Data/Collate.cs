using System.Collections;
using Kiln.Registry;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Data;

/// <summary>Collate functions (MMEngine's dataset/utils.py, DATA-08).</summary>
public static class Collate
{
    /// <summary>MMEngine's default, <c>pseudo_collate</c>: inputs and data samples as lists, nothing stacked.</summary>
    [Register(Registries.Functions, "pseudo_collate")]
    public static DataBatch PseudoCollate(IReadOnlyList<Sample> samples)
    {
        var inputs = new object[samples.Count];
        var dataSamples = new DataSample?[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            inputs[i] = samples[i].Inputs;
            dataSamples[i] = samples[i].DataSample;
        }
        return new DataBatch(inputs, dataSamples);
    }

    /// <summary>
    /// MMEngine's <c>default_collate</c>: the inputs collated as PyTorch's <c>default_collate</c> (tensors stacked
    /// along a new first dimension; numbers to a 1-D tensor, float64 for floats and int64 for integers; numeric
    /// arrays to a stacked tensor; dicts and lists collated per key/position), data samples kept as a list.
    /// The stacked result is <see cref="DataBatch.StackedInputs"/>; <see cref="DataBatch.Inputs"/> still lists each
    /// sample's input.
    /// </summary>
    [Register(Registries.Functions, "default_collate")]
    public static DataBatch DefaultCollate(IReadOnlyList<Sample> samples)
    {
        var pseudo = PseudoCollate(samples);
        if (samples.Count == 0) return pseudo;
        return new DataBatch(pseudo.Inputs, pseudo.DataSamples, CollateValues(pseudo.Inputs.Cast<object?>().ToList()));
    }

    /// <summary>The recursive part of <c>default_collate</c> over one field of every sample.</summary>
    public static object? CollateValues(IReadOnlyList<object?> items)
    {
        var first = items[0];
        switch (first)
        {
            case null: return items.ToList();
            case DataSample or string or byte[]: return items.ToList();   // MMEngine: BaseDataElement, str, bytes stay a list
            case Tensor:
                return stack(items.Select((x, i) => x as Tensor ?? throw Mixed(items, i)).ToArray());
            case double or float:
                return tensor(items.Select((x, i) => x is double or float ? Convert.ToDouble(x) : throw Mixed(items, i)).ToArray(), float64);
            case long or int or short or byte:
                return tensor(items.Select((x, i) => x is long or int or short or byte ? Convert.ToInt64(x) : throw Mixed(items, i)).ToArray(), int64);
            case bool:
                return tensor(items.Select((x, i) => x as bool? ?? throw Mixed(items, i)).ToArray());
            case float[] or double[] or int[] or long[]:
                return stack(items.Select((x, i) => x switch
                {
                    float[] a => tensor(a),
                    double[] a => tensor(a),
                    int[] a => tensor(a),
                    long[] a => tensor(a),
                    _ => throw Mixed(items, i),
                }).ToArray());
            case IDictionary<string, object?> dict:
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var key in dict.Keys)
                    result[key] = CollateValues(items.Select((x, i) => x is IDictionary<string, object?> d && d.TryGetValue(key, out var v)
                        ? v : throw new KilnException($"default_collate: sample {i} has no key '{key}' that sample 0 has.")).ToList());
                return result;
            }
            case IList list:
            {
                int size = list.Count;
                for (int i = 1; i < items.Count; i++)
                    if (items[i] is not IList other || other.Count != size)
                        throw new KilnException($"default_collate: each item in the batch should be of equal size; sample 0 has {size} items, sample {i} does not.");
                var transposed = new List<object?>(size);
                for (int k = 0; k < size; k++)
                    transposed.Add(CollateValues(items.Select(x => ((IList)x!)[k]).ToList()));
                return transposed;
            }
            default:
                throw new KilnException($"default_collate cannot collate a {first.GetType().Name}; it collates tensors, numbers, numeric arrays, dicts and lists (use pseudo_collate or a custom collate_fn).");
        }
    }

    private static KilnException Mixed(IReadOnlyList<object?> items, int i) => new(
        $"default_collate: sample 0's value is a {items[0]?.GetType().Name} but sample {i}'s is a {items[i]?.GetType().Name ?? "None"}; a batch must be uniform.");
}
