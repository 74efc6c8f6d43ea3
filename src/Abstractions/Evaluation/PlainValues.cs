using System.Collections;
using System.Text;
using TorchSharp;

namespace Kiln.Evaluation;

/// <summary>
/// The values a metric's results list may hold (numbers, strings, bools, arrays of numbers, lists and string-keyed
/// dicts of those; never tensors), and their byte form for gathering results across ranks (MMEngine's
/// <c>collect_results</c> pickles them; Kiln writes this small tagged format instead).
/// </summary>
public static class PlainValues
{
    private enum Tag : byte
    {
        Null, Bool, Int, Long, Float, Double, String, FloatArray, DoubleArray, LongArray, IntArray, ByteArray, BoolArray, List, Dict,
    }

    /// <summary>
    /// Throws a <see cref="KilnException"/> naming <paramref name="owner"/> and the offending type when
    /// <paramref name="value"/> is not plain (a tensor, or an object the byte form cannot carry).
    /// </summary>
    public static void Require(object? value, string owner)
    {
        string? problem = Problem(value, depth: 0);
        if (problem is not null)
            throw new KilnException($"{owner}: a results entry holds {problem}; a metric's results may hold only numbers, strings, bools, "
                + "arrays of numbers (float[], double[], long[], int[], byte[], bool[]), lists and string-keyed dicts of those. "
                + "Convert tensors in Process (tensor.item<float>(), tensor.data<float>().ToArray()) so no tensor outlives its batch.");
    }

    private static string? Problem(object? value, int depth)
    {
        if (depth > 32) return "values nested deeper than 32 levels";
        switch (value)
        {
            case null or bool or int or long or float or double or string or float[] or double[] or long[] or int[] or byte[] or bool[]:
                return null;
            case torch.Tensor:
                return "a torch.Tensor";
            case IDictionary dict:
                foreach (DictionaryEntry e in dict)
                {
                    if (e.Key is not string) return $"a dict key of type {e.Key.GetType().Name} (keys must be strings)";
                    if (Problem(e.Value, depth + 1) is { } p) return p;
                }
                return null;
            case IList list when value is not Array || value.GetType() == typeof(object[]):
                foreach (var item in list)
                    if (Problem(item, depth + 1) is { } p) return p;
                return null;
            default:
                return $"a {value.GetType().FullName}";
        }
    }

    /// <summary>Writes a list of plain values (see <see cref="Require"/>) as bytes.</summary>
    public static byte[] Encode(IEnumerable<object?> values)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            var list = values as IList<object?> ?? values.ToList();
            writer.Write(list.Count);
            foreach (var value in list) Write(writer, value);
        }
        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="Encode"/> wrote. Lists come back as <c>List&lt;object?&gt;</c>, dicts as <c>Dictionary&lt;string, object?&gt;</c>.</summary>
    public static List<object?> Decode(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        int count = reader.ReadInt32();
        var values = new List<object?>(count);
        for (int i = 0; i < count; i++) values.Add(Read(reader));
        return values;
    }

    private static void Write(BinaryWriter w, object? value)
    {
        switch (value)
        {
            case null: w.Write((byte)Tag.Null); break;
            case bool b: w.Write((byte)Tag.Bool); w.Write(b); break;
            case int i: w.Write((byte)Tag.Int); w.Write(i); break;
            case long l: w.Write((byte)Tag.Long); w.Write(l); break;
            case float f: w.Write((byte)Tag.Float); w.Write(f); break;
            case double d: w.Write((byte)Tag.Double); w.Write(d); break;
            case string s: w.Write((byte)Tag.String); w.Write(s); break;
            case float[] a: w.Write((byte)Tag.FloatArray); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case double[] a: w.Write((byte)Tag.DoubleArray); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case long[] a: w.Write((byte)Tag.LongArray); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case int[] a: w.Write((byte)Tag.IntArray); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case byte[] a: w.Write((byte)Tag.ByteArray); w.Write(a.Length); w.Write(a); break;
            case bool[] a: w.Write((byte)Tag.BoolArray); w.Write(a.Length); foreach (var x in a) w.Write(x); break;
            case IDictionary dict:
                w.Write((byte)Tag.Dict); w.Write(dict.Count);
                foreach (DictionaryEntry e in dict) { w.Write((string)e.Key); Write(w, e.Value); }
                break;
            case IList list:
                w.Write((byte)Tag.List); w.Write(list.Count);
                foreach (var item in list) Write(w, item);
                break;
            default:
                Require(value, "PlainValues.Encode");
                break;
        }
    }

    private static object? Read(BinaryReader r)
    {
        var tag = (Tag)r.ReadByte();
        switch (tag)
        {
            case Tag.Null: return null;
            case Tag.Bool: return r.ReadBoolean();
            case Tag.Int: return r.ReadInt32();
            case Tag.Long: return r.ReadInt64();
            case Tag.Float: return r.ReadSingle();
            case Tag.Double: return r.ReadDouble();
            case Tag.String: return r.ReadString();
            case Tag.FloatArray: { var a = new float[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadSingle(); return a; }
            case Tag.DoubleArray: { var a = new double[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadDouble(); return a; }
            case Tag.LongArray: { var a = new long[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadInt64(); return a; }
            case Tag.IntArray: { var a = new int[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadInt32(); return a; }
            case Tag.ByteArray: return r.ReadBytes(r.ReadInt32());
            case Tag.BoolArray: { var a = new bool[r.ReadInt32()]; for (int i = 0; i < a.Length; i++) a[i] = r.ReadBoolean(); return a; }
            case Tag.List: { int n = r.ReadInt32(); var l = new List<object?>(n); for (int i = 0; i < n; i++) l.Add(Read(r)); return l; }
            case Tag.Dict:
            {
                int n = r.ReadInt32();
                var d = new Dictionary<string, object?>(n, StringComparer.Ordinal);
                for (int i = 0; i < n; i++) { string k = r.ReadString(); d[k] = Read(r); }
                return d;
            }
            default: throw new KilnException($"gathered metric results are corrupt: unknown value tag {(byte)tag}.");
        }
    }
}
