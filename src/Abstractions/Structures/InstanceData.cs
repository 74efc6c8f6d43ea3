using System.Collections;
using static TorchSharp.torch;

namespace Kiln.Structures;

/// <summary>
/// MMEngine's <c>InstanceData</c>: data fields that all have one entry per instance (boxes, labels, scores), so
/// every field must have the same length, and the element can be indexed like its fields: by index, range, bool mask
/// or long index tensor. Fields are tensors, arrays or lists.
/// </summary>
public class InstanceData : BaseDataElement
{
    public InstanceData() { }

    public InstanceData(IReadOnlyDictionary<string, object?>? metainfo, IReadOnlyDictionary<string, object?>? data = null) : base(metainfo, data) { }

    /// <summary>Instances: the length of the first field, 0 when there is none.</summary>
    public int Length => Values().Count == 0 ? 0 : LengthOf(Values()[0]!, Keys()[0]);

    /// <summary>Sets a field; its length must match the others' (MMEngine's <c>__setattr__</c>).</summary>
    public override void Set(string key, object? value)
    {
        int length = LengthOf(value, key);
        if (Values().Count > 0 && !(Keys().Count == 1 && Keys()[0] == key) && length != Length)
            throw new KilnException($"The length of values {length} is not consistent with the length of this :obj:`InstanceData` {Length} (field '{key}').");
        base.Set(key, value);
    }

    /// <summary>One instance, as an <see cref="InstanceData"/> of length 1; negative indices count from the end.</summary>
    public InstanceData this[int index]
    {
        get
        {
            int n = Length;
            if (index >= n || index < -n) throw new IndexOutOfRangeException($"Index {index} out of range! (InstanceData of length {n})");
            if (index < 0) index += n;
            return Select(Enumerable.Range(index, 1).ToArray());
        }
    }

    /// <summary>A range of instances.</summary>
    public InstanceData this[Range range]
    {
        get
        {
            var (offset, count) = range.GetOffsetAndLength(Length);
            return Select(Enumerable.Range(offset, count).ToArray());
        }
    }

    /// <summary>Instances where a bool mask is true, or at the positions in a long tensor.</summary>
    public InstanceData this[Tensor index]
    {
        get
        {
            if (index.dtype == ScalarType.Bool)
            {
                if (index.dim() != 1 || index.shape[0] != Length)
                    throw new KilnException($"The shape of the input(BoolTensor) {index.shape[0]} does not match the shape of the indexed tensor in results_field {Length} at first dimension.");
                index = index.nonzero().squeeze(-1);
            }
            else if (index.dtype != ScalarType.Int64 && index.dtype != ScalarType.Int32)
                throw new KilnException($"InstanceData can be indexed by a bool or long tensor, not a {index.dtype} tensor.");
            using var cpu = index.cpu().to(int64);
            int n = Length;
            var positions = cpu.data<long>().Select(i => (int)(i < 0 ? i + n : i)).ToArray();
            foreach (var p in positions)
                if (p < 0 || p >= n) throw new IndexOutOfRangeException($"Index {p} out of range! (InstanceData of length {n})");
            return Select(positions);
        }
    }

    /// <summary>Concatenates instances with the same fields (MMEngine's <c>InstanceData.cat</c>); metainfo from the first.</summary>
    public static InstanceData Cat(IReadOnlyList<InstanceData> instances)
    {
        if (instances.Count == 0) throw new KilnException("InstanceData.Cat needs at least one InstanceData.");
        if (instances.Count == 1) return instances[0];
        var keys = instances[0].Keys();
        foreach (var other in instances)
            if (!other.Keys().OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(keys.OrderBy(k => k, StringComparer.Ordinal)))
                throw new KilnException($"There are different keys in `instances_list`, which is not allowed: [{string.Join(", ", keys)}] vs [{string.Join(", ", other.Keys())}].");
        var result = new InstanceData(instances[0].Metainfo);
        foreach (var key in keys)
        {
            var values = instances.Select(i => i[key]).ToList();
            result.Set(key, values[0] switch
            {
                Tensor => cat(values.Cast<Tensor>().ToArray(), 0),
                Array a => ConcatArrays(values.Cast<Array>().ToList(), a.GetType().GetElementType()!),
                IList => values.Cast<IList>().SelectMany(l => l.Cast<object?>()).ToList(),
                _ => throw new KilnException($"Can not concat the {key} which is a {values[0]?.GetType().Name ?? "None"}"),
            });
        }
        return result;
    }

    private InstanceData Select(int[] positions)
    {
        var result = new InstanceData(Metainfo);
        foreach (var (key, value) in Items())
        {
            object? picked = value switch
            {
                Tensor t => t.index_select(0, tensor(positions.Select(p => (long)p).ToArray(), device: t.device)),
                Array a => PickArray(a, positions),
                IList l => positions.Select(p => l[p]).ToList(),
                _ => throw new KilnException($"InstanceData cannot index field '{key}' of type {value?.GetType().Name}."),
            };
            result.Set(key, picked);
        }
        return result;
    }

    private static Array PickArray(Array a, int[] positions)
    {
        var picked = Array.CreateInstance(a.GetType().GetElementType()!, positions.Length);
        for (int i = 0; i < positions.Length; i++) picked.SetValue(a.GetValue(positions[i]), i);
        return picked;
    }

    private static Array ConcatArrays(List<Array> arrays, Type element)
    {
        var result = Array.CreateInstance(element, arrays.Sum(a => a.Length));
        int offset = 0;
        foreach (var a in arrays) { Array.Copy(a, 0, result, offset, a.Length); offset += a.Length; }
        return result;
    }

    private static int LengthOf(object? value, string key) => value switch
    {
        Tensor t when t.dim() > 0 => (int)t.shape[0],
        string => throw new KilnException($"InstanceData.{key} must be a tensor, array or list with one entry per instance, not a string."),
        ICollection c => c.Count,
        _ => throw new KilnException($"InstanceData.{key} must be a tensor, array or list with one entry per instance (it has no length), not {value?.GetType().Name ?? "None"}."),
    };
}
