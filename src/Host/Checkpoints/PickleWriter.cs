using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;
using static Kiln.Checkpoints.PickleOpcodes;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// Pickles a checkpoint value with protocol 2 as <c>torch.save</c> does (torch/serialization.py,
/// <c>DEFAULT_PROTOCOL = 2</c>), using only opcodes and globals that <c>torch.load(weights_only=True)</c> accepts.
/// Tensors become <c>torch._utils._rebuild_tensor_v2</c> calls whose storage is a persistent id; the caller writes
/// each storage's bytes as the record <c>data/&lt;key&gt;</c>.
/// </summary>
/// <remarks>
/// Each tensor gets its own contiguous storage (offset 0): views that shared memory in .NET are saved as copies,
/// which loads the same values but not the sharing. Nothing is memoized, so a value reachable twice is written
/// twice; checkpoints are trees.
/// </remarks>
internal sealed class PickleWriter
{
    private readonly Stream _out;
    private readonly Func<Tensor, string> _addStorage;

    /// <param name="output">Where the pickle bytes go.</param>
    /// <param name="addStorage">Registers a contiguous CPU tensor as a storage and returns its key.</param>
    public PickleWriter(Stream output, Func<Tensor, string> addStorage)
    {
        _out = output;
        _addStorage = addStorage;
    }

    public void Write(object? value)
    {
        _out.WriteByte(Proto);
        _out.WriteByte(2);
        WriteValue(value, "checkpoint");
        _out.WriteByte(Stop);
    }

    private void WriteValue(object? value, string path)
    {
        switch (value)
        {
            case null: _out.WriteByte(PickleOpcodes.None); break;
            case bool b: _out.WriteByte(b ? NewTrue : NewFalse); break;
            case string s: WriteString(s); break;
            case double d: WriteFloat(d); break;
            case float f: WriteFloat(f); break;
            case Tensor t: WriteTensor(t, path); break;
            case PyDict dict: WriteDict(dict, path); break;
            case object?[] tuple: WriteTuple(tuple, path); break;
            case IDictionary dict: WriteDict(dict, path); break;
            case IList list: WriteList(list, path); break;
            default:
                if (PyKeyComparer.TryInteger(value, out var n))
                {
                    WriteInt(n);
                    break;
                }

                throw new KilnException($"cannot save {path}: a {value.GetType().FullName} is not a checkpoint value; "
                    + "save dicts, lists, object?[] tuples, strings, numbers, bools, null and tensors");
        }
    }

    private void WriteInt(BigInteger n)
    {
        // Same choice as CPython's save_long for protocol 2.
        if (n >= 0 && n <= 0xff)
        {
            _out.WriteByte(BinInt1);
            _out.WriteByte((byte)n);
        }
        else if (n >= 0 && n <= 0xffff)
        {
            _out.WriteByte(BinInt2);
            WriteUInt16((ushort)n);
        }
        else if (n >= int.MinValue && n <= int.MaxValue)
        {
            _out.WriteByte(BinInt);
            Span<byte> buf = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(buf, (int)n);
            _out.Write(buf);
        }
        else
        {
            var bytes = n.ToByteArray(isUnsigned: false, isBigEndian: false);
            _out.WriteByte(Long1);
            _out.WriteByte((byte)bytes.Length);
            _out.Write(bytes);
        }
    }

    private void WriteFloat(double d)
    {
        _out.WriteByte(BinFloat);
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(buf, d);
        _out.Write(buf);
    }

    private void WriteString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        _out.WriteByte(BinUnicode);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes.Length);
        _out.Write(len);
        _out.Write(bytes);
    }

    private void WriteGlobal(string module, string name)
    {
        _out.WriteByte(PickleOpcodes.Global);
        _out.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private void WriteTuple(IReadOnlyList<object?> items, string path)
    {
        if (items.Count == 0)
        {
            _out.WriteByte(EmptyTuple);
            return;
        }

        if (items.Count > 3)
        {
            _out.WriteByte(Mark);
        }

        for (var i = 0; i < items.Count; i++)
        {
            WriteValue(items[i], $"{path}[{i}]");
        }

        _out.WriteByte(items.Count switch { 1 => Tuple1, 2 => Tuple2, 3 => Tuple3, _ => PickleOpcodes.Tuple });
    }

    private void WriteList(IList list, string path)
    {
        _out.WriteByte(EmptyList);
        if (list.Count == 0)
        {
            return;
        }

        _out.WriteByte(Mark);
        for (var i = 0; i < list.Count; i++)
        {
            WriteValue(list[i], $"{path}[{i}]");
        }

        _out.WriteByte(Appends);
    }

    private void WriteDict(IEnumerable entries, string path)
    {
        if (entries is PyOrderedDict)
        {
            // collections.OrderedDict.__reduce__ → (OrderedDict, (), state, None, items), as pickle writes it.
            WriteGlobal("collections", "OrderedDict");
            _out.WriteByte(EmptyTuple);
            _out.WriteByte(PickleOpcodes.Reduce);
        }
        else
        {
            _out.WriteByte(EmptyDict);
        }

        var pairs = entries switch
        {
            PyDict d => d.Select(kv => (Key: (object?)kv.Key, kv.Value)).ToList(),
            IDictionary d => d.Keys.Cast<object?>().Select(k => (Key: k, Value: k is null ? null : d[k])).ToList(),
            _ => [],
        };

        if (pairs.Count > 0)
        {
            _out.WriteByte(Mark);
            foreach (var (key, value) in pairs)
            {
                CheckKey(key, path);
                WriteValue(key, path);
                WriteValue(value, $"{path}[{FormatKey(key)}]");
            }

            _out.WriteByte(SetItems);
        }

        if (entries is PyOrderedDict { Attributes: { Count: > 0 } attributes })
        {
            WriteDict(attributes, $"{path}.__dict__");
            _out.WriteByte(Build);
        }
    }

    private static void CheckKey(object? key, string path)
    {
        var ok = key is string or bool or double or float || PyKeyComparer.TryInteger(key, out _)
            || (key is object?[] tuple && tuple.All(k => k is not null));
        if (!ok)
        {
            throw new KilnException($"cannot save {path}: the dict key {FormatKey(key)} ({key?.GetType().Name ?? "null"}) "
                + "is not a string, integer, float, bool or tuple");
        }
    }

    private static string FormatKey(object? key) => key switch
    {
        string s => $"'{s}'",
        object?[] t => $"({string.Join(", ", t.Select(FormatKey))})",
        null => "None",
        _ => key.ToString() ?? "?",
    };

    private void WriteTensor(Tensor tensor, string path)
    {
        if (tensor.IsInvalid)
        {
            throw new KilnException($"cannot save {path}: the tensor has been disposed");
        }

        var storageName = TorchDTypes.StorageName(tensor.dtype);
        var key = _addStorage(tensor);
        WriteGlobal("torch._utils", "_rebuild_tensor_v2");
        _out.WriteByte(Mark);
        {
            _out.WriteByte(Mark);
            WriteString("storage");
            WriteGlobal("torch", storageName);
            WriteString(key);
            WriteString("cpu");
            WriteInt(tensor.numel());
            _out.WriteByte(PickleOpcodes.Tuple);
            _out.WriteByte(BinPersId);
        }

        WriteInt(0);
        var shape = tensor.shape;
        WriteTuple(shape.Select(s => (object?)s).ToArray(), path);
        WriteTuple(ContiguousStrides(shape).Select(s => (object?)s).ToArray(), path);
        _out.WriteByte(tensor.requires_grad ? NewTrue : NewFalse);
        WriteGlobal("collections", "OrderedDict");
        _out.WriteByte(EmptyTuple);
        _out.WriteByte(PickleOpcodes.Reduce);
        _out.WriteByte(PickleOpcodes.Tuple);
        _out.WriteByte(PickleOpcodes.Reduce);
    }

    internal static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(shape[i], 1);
        }

        return strides;
    }

    private void WriteUInt16(ushort value)
    {
        Span<byte> buf = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(buf, value);
        _out.Write(buf);
    }
}
