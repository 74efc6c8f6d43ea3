using System.Collections;
using System.Text;

namespace Kiln.Datasets;

/// <summary>
/// <c>serialize_data=True</c> (DATA-18): packs each data info into one shared byte buffer with an end-offset table
/// (MMEngine's <c>data_bytes</c>/<c>data_address</c>), so a large annotation list is two arrays rather than
/// millions of small objects, and every <see cref="BaseDataset.GetDataInfo"/> returns a fresh copy. Values may be
/// null, bool, integers, floats, strings, arrays of bytes/ints/longs/floats/doubles, lists, tuples (object arrays)
/// and string-keyed dicts; anything else is an error naming the key.
/// </summary>
public static class DataInfoSerializer
{
    private enum Tag : byte { Null, False, True, Long, Double, String, Bytes, Ints, Longs, Floats, Doubles, List, Tuple, Dict, Int, Float }

    /// <summary>Packs <paramref name="items"/> (MMEngine's <c>_serialize_data</c>).</summary>
    public static (byte[] Bytes, long[] Address) Serialize(IReadOnlyList<Dictionary<string, object?>> items)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        var address = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            Write(writer, items[i], $"data_list[{i}]");
            writer.Flush();
            address[i] = stream.Position;
        }
        return (stream.ToArray(), address);
    }

    /// <summary>The <paramref name="index"/>-th data info, unpacked.</summary>
    public static Dictionary<string, object?> Deserialize(byte[] bytes, long[] address, int index)
    {
        long start = index == 0 ? 0 : address[index - 1];
        using var stream = new MemoryStream(bytes, (int)start, (int)(address[index] - start), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        return (Dictionary<string, object?>)Read(reader)!;
    }

    private static void Write(BinaryWriter w, object? value, string path)
    {
        switch (value)
        {
            case null: w.Write((byte)Tag.Null); break;
            case bool b: w.Write((byte)(b ? Tag.True : Tag.False)); break;
            case int i: w.Write((byte)Tag.Int); w.Write(i); break;
            case long l: w.Write((byte)Tag.Long); w.Write(l); break;
            case float f: w.Write((byte)Tag.Float); w.Write(f); break;
            case double d: w.Write((byte)Tag.Double); w.Write(d); break;
            case string s: w.Write((byte)Tag.String); w.Write(s); break;
            case byte[] a: w.Write((byte)Tag.Bytes); w.Write(a.Length); w.Write(a); break;
            case int[] a: w.Write((byte)Tag.Ints); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case long[] a: w.Write((byte)Tag.Longs); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case float[] a: w.Write((byte)Tag.Floats); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case double[] a: w.Write((byte)Tag.Doubles); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case object?[] tuple:
                w.Write((byte)Tag.Tuple); w.Write(tuple.Length);
                for (int k = 0; k < tuple.Length; k++) Write(w, tuple[k], $"{path}[{k}]");
                break;
            case IDictionary<string, object?> dict:
                w.Write((byte)Tag.Dict); w.Write(dict.Count);
                foreach (var (k, v) in dict) { w.Write(k); Write(w, v, $"{path}['{k}']"); }
                break;
            case IReadOnlyDictionary<string, object?> dict:
                w.Write((byte)Tag.Dict); w.Write(dict.Count);
                foreach (var (k, v) in dict) { w.Write(k); Write(w, v, $"{path}['{k}']"); }
                break;
            case IList list:
                w.Write((byte)Tag.List); w.Write(list.Count);
                for (int k = 0; k < list.Count; k++) Write(w, list[k], $"{path}[{k}]");
                break;
            default:
                throw new KilnException(
                    $"serialize_data: {path} is a {value.GetType().Name}, which cannot be serialized (supported: numbers, strings, bools, " +
                    "primitive arrays, lists, tuples, string-keyed dicts); convert it, or set serialize_data=False.");
        }
    }

    private static object? Read(BinaryReader r)
    {
        var tag = (Tag)r.ReadByte();
        switch (tag)
        {
            case Tag.Null: return null;
            case Tag.False: return false;
            case Tag.True: return true;
            case Tag.Int: return r.ReadInt32();
            case Tag.Long: return r.ReadInt64();
            case Tag.Float: return r.ReadSingle();
            case Tag.Double: return r.ReadDouble();
            case Tag.String: return r.ReadString();
            case Tag.Bytes: return r.ReadBytes(r.ReadInt32());
            case Tag.Ints: { var a = new int[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadInt32(); return a; }
            case Tag.Longs: { var a = new long[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadInt64(); return a; }
            case Tag.Floats: { var a = new float[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadSingle(); return a; }
            case Tag.Doubles: { var a = new double[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadDouble(); return a; }
            case Tag.Tuple: { var a = new object?[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = Read(r); return a; }
            case Tag.List: { int n = r.ReadInt32(); var l = new List<object?>(n); for (int i = 0; i < n; i++) l.Add(Read(r)); return l; }
            case Tag.Dict:
            {
                int n = r.ReadInt32();
                var d = new Dictionary<string, object?>(n, StringComparer.Ordinal);
                for (int i = 0; i < n; i++) { string k = r.ReadString(); d[k] = Read(r); }
                return d;
            }
            default: throw new InvalidDataException($"serialized data info: unknown tag {(byte)tag}.");
        }
    }

    /// <summary>A deep copy of a data info (what <c>serialize_data=False</c> returns, MMEngine's <c>deepcopy</c>).</summary>
    public static object? DeepCopy(object? value) => value switch
    {
        null or string or bool or int or long or float or double => value,
        Array a when a.GetType().GetElementType() is { IsPrimitive: true } => a.Clone(),
        object?[] t => t.Select(DeepCopy).ToArray(),
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => DeepCopy(kv.Value), StringComparer.Ordinal),
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => DeepCopy(kv.Value), StringComparer.Ordinal),
        IList l => l.Cast<object?>().Select(DeepCopy).ToList(),
        _ => value,   // other objects are shared, as deepcopy of an immutable value would be
    };
}
