using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using TorchSharp;
using static Kiln.Checkpoints.PickleOpcodes;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// An unpickler for the subset of pickle that checkpoints use. Like PyTorch's <c>weights_only</c> unpickler
/// (torch/_weights_only_unpickler.py) it never imports or calls anything: a global is only a name, and only the
/// names in <see cref="AllowedGlobals"/> may be called, each by code written here. Any other global is a
/// <see cref="KilnException"/> naming it and the file.
/// </summary>
internal sealed class PickleReader
{
    private const string Supported =
        "Kiln reads dicts, OrderedDicts, lists, tuples, strings, numbers, bools, None and tensors "
        + "(what torch.load(weights_only=True) reads); save such objects as plain values or tensors instead";

    private static readonly HashSet<string> AllowedGlobals =
    [
        "collections.OrderedDict",
        "collections.Counter",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.Size",
        "_codecs.encode",
    ];

    private readonly BinaryReader _in;
    private readonly string _source;
    private readonly Func<StorageRef, Tensor> _storage;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];

    /// <param name="data">The pickle bytes (e.g. <c>archive/data.pkl</c>).</param>
    /// <param name="source">The file name for error messages.</param>
    /// <param name="storage">Returns the flat tensor holding a storage's elements; the reader makes views of it.</param>
    public PickleReader(Stream data, string source, Func<StorageRef, Tensor> storage)
    {
        _in = new BinaryReader(data, Encoding.UTF8, leaveOpen: true);
        _source = source;
        _storage = storage;
    }

    public object? Read()
    {
        try
        {
            return ReadCore();
        }
        catch (EndOfStreamException e)
        {
            throw Error("the pickle data ends early; the file is truncated or corrupt", e);
        }
    }

    private object? ReadCore()
    {
        while (true)
        {
            var op = _in.ReadByte();
            switch (op)
            {
                case Proto: _in.ReadByte(); break;
                case Frame: _in.ReadInt64(); break;
                case Stop: return Pop();
                case Mark: _marks.Push(_stack.Count); break;
                case PickleOpcodes.Pop: Pop(); break;
                case PopMark: PopToMark(); break;
                case Dup: Push(Peek()); break;
                case PickleOpcodes.None: Push(null); break;
                case NewTrue: Push(true); break;
                case NewFalse: Push(false); break;
                case BinInt: Push((long)_in.ReadInt32()); break;
                case BinInt1: Push((long)_in.ReadByte()); break;
                case BinInt2: Push((long)_in.ReadUInt16()); break;
                case Long1: Push(ToLong(_in.ReadBytes(_in.ReadByte()))); break;
                case Long4: Push(ToLong(_in.ReadBytes(_in.ReadInt32()))); break;
                case Int: Push(ParseTextInt(ReadLine())); break;
                case PickleOpcodes.Long: Push(ParseTextInt(ReadLine().TrimEnd('L'))); break;
                case PickleOpcodes.Float: Push(double.Parse(ReadLine(), CultureInfo.InvariantCulture)); break;
                case BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(_in.ReadBytes(8))); break;
                case BinUnicode: Push(Utf8(_in.ReadUInt32())); break;
                case ShortBinUnicode: Push(Utf8(_in.ReadByte())); break;
                case BinUnicode8: Push(Utf8(_in.ReadUInt64())); break;
                case Unicode: Push(ReadLine()); break;
                // Python 2 str: torch.load decodes with encoding='utf-8' by default for the zip format.
                case ShortBinString: Push(Encoding.UTF8.GetString(_in.ReadBytes(_in.ReadByte()))); break;
                case BinString: Push(Encoding.UTF8.GetString(_in.ReadBytes(_in.ReadInt32()))); break;
                case ShortBinBytes: Push(_in.ReadBytes(_in.ReadByte())); break;
                case BinBytes: Push(_in.ReadBytes(checked((int)_in.ReadUInt32()))); break;
                case EmptyTuple: Push(Array.Empty<object?>()); break;
                case Tuple1: Push(new[] { Pop() }); break;
                case Tuple2: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case Tuple3: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case PickleOpcodes.Tuple: Push(PopToMark().ToArray()); break;
                case EmptyList: Push(new List<object?>()); break;
                case PickleOpcodes.List: Push(PopToMark()); break;
                case Append: { var item = Pop(); AsList(Peek()).Add(item); break; }
                case Appends: { var items = PopToMark(); AsList(Peek()).AddRange(items); break; }
                case EmptyDict: Push(new PyDict()); break;
                case PickleOpcodes.Dict: { var items = PopToMark(); var d = new PyDict(); StoreItems(d, items); Push(d); break; }
                case SetItem: { var v = Pop(); var k = Pop(); StoreItems(AsDict(Peek()), [k, v]); break; }
                case SetItems: { var items = PopToMark(); StoreItems(AsDict(Peek()), items); break; }
                case PickleOpcodes.Global: Push(MakeGlobal(ReadLine(), ReadLine())); break;
                case StackGlobal: { var name = Pop() as string; var module = Pop() as string; Push(MakeGlobal(module ?? "?", name ?? "?")); break; }
                case PickleOpcodes.Reduce: { var args = Pop(); var callable = Pop(); Push(Call(callable, AsTuple(args))); break; }
                case NewObj: { var args = Pop(); var cls = Pop(); Push(Call(cls, AsTuple(args))); break; }
                case PickleOpcodes.Build: { var state = Pop(); ApplyState(Peek(), state); break; }
                case BinPersId: Push(PersistentLoad(Pop())); break;
                case BinPut: _memo[_in.ReadByte()] = Peek(); break;
                case LongBinPut: _memo[_in.ReadUInt32()] = Peek(); break;
                case Put: _memo[long.Parse(ReadLine(), CultureInfo.InvariantCulture)] = Peek(); break;
                case Memoize: _memo[_memo.Count] = Peek(); break;
                case BinGet: Push(Memo(_in.ReadByte())); break;
                case LongBinGet: Push(Memo(_in.ReadUInt32())); break;
                case Get: Push(Memo(long.Parse(ReadLine(), CultureInfo.InvariantCulture))); break;
                default:
                    throw Error($"unsupported pickle opcode 0x{op:x2} ('{(char)op}'); {Supported}");
            }
        }
    }

    private object MakeGlobal(string module, string name)
    {
        var global = new PickleGlobal(module, name);
        var isStorage = module == "torch" && TorchDTypes.TryFromStorageName(name, out _);
        if (!isStorage && !AllowedGlobals.Contains(global.FullName))
        {
            throw Error($"unsupported pickle global '{global.FullName}'; {Supported}");
        }

        return global;
    }

    private object? Call(object? callable, object?[] args)
    {
        if (callable is not PickleGlobal g)
        {
            throw Error($"cannot call a {Describe(callable)} while unpickling; {Supported}");
        }

        switch (g.FullName)
        {
            case "collections.OrderedDict":
                var od = new PyOrderedDict();
                if (args.Length == 1 && args[0] is IEnumerable<object?> pairs)
                {
                    foreach (var pair in pairs)
                    {
                        var kv = AsTuple(pair);
                        StoreItems(od, kv);
                    }
                }

                return od;
            case "collections.Counter":
                // MMEngine's MultiStepLR keeps milestones in a Counter; it reads back as a plain dict.
                var counter = new PyDict();
                if (args.Length == 1 && args[0] is PyDict counts)
                {
                    foreach (var (k, v) in counts)
                    {
                        counter[k] = v;
                    }
                }

                return counter;
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                // _rebuild_tensor(storage, storage_offset, size, stride) (torch/_utils.py).
                return RebuildTensor(args, g.Name == "_rebuild_tensor_v2" && args.Length > 4 && args[4] is true);
            case "torch._utils._rebuild_parameter":
                // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is a tensor here.
                return args.Length > 0 && args[0] is Tensor data
                    ? data
                    : throw Error("malformed torch._utils._rebuild_parameter arguments");
            case "torch.Size":
                return args.Length == 0 ? Array.Empty<object?>() : AsTuple(args[0]);
            case "_codecs.encode":
                // Protocol 2 pickles Python 3 bytes as _codecs.encode(str, 'latin1').
                return args.Length > 0 && args[0] is string s ? Encoding.Latin1.GetBytes(s) : throw Error("malformed _codecs.encode arguments");
            default:
                throw Error($"unsupported pickle global '{g.FullName}' called; {Supported}");
        }
    }

    private Tensor RebuildTensor(object?[] args, bool requiresGrad)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset)
        {
            throw Error("malformed torch._utils._rebuild_tensor_v2 arguments");
        }

        var size = AsTuple(args[2]).Select(ToLongValue).ToArray();
        var stride = AsTuple(args[3]).Select(ToLongValue).ToArray();
        var flat = _storage(storage);
        var needed = offset + 1 + size.Zip(stride, (n, s) => n == 0 ? -1 : (n - 1) * s).Sum();
        if (size.Contains(0))
        {
            needed = 0;
        }

        if (needed > storage.Numel)
        {
            throw Error($"a tensor of size [{string.Join(", ", size)}] at offset {offset} reads past its storage '{storage.Key}' of {storage.Numel} elements");
        }

        // A view of the shared storage, as torch's set_(storage, offset, size, stride) makes: tensors that
        // shared a storage in Python share memory here too.
        var tensor = flat.as_strided(size, stride, offset);
        if (requiresGrad && tensor.is_floating_point())
        {
            tensor.requires_grad_(true);
        }

        return tensor;
    }

    private StorageRef PersistentLoad(object? pid)
    {
        // ('storage', torch.FloatStorage, '0', 'cpu', numel) — torch/serialization.py, _load's persistent_load.
        var t = pid as object?[];
        if (t is not { Length: 5 } || t[0] is not string kind || kind != "storage"
            || t[1] is not PickleGlobal type || t[2] is not string key || t[4] is not long numel)
        {
            throw Error($"unsupported persistent id {Describe(pid)}; only tensor storages are read");
        }

        if (type.Module != "torch" || !TorchDTypes.TryFromStorageName(type.Name, out var dtype))
        {
            throw Error($"unsupported storage type '{type.FullName}'");
        }

        return new StorageRef(key, dtype, numel, t[3] as string ?? "cpu");
    }

    private void ApplyState(object? instance, object? state)
    {
        switch (instance)
        {
            // OrderedDict.__reduce__ gives vars(self) as state: a state_dict's _metadata attribute.
            case PyOrderedDict od when state is PyDict attributes:
                od.Attributes ??= new PyDict();
                foreach (var (k, v) in attributes)
                {
                    od.Attributes[k] = v;
                }

                break;
            case PyOrderedDict when state is null:
                break;
            default:
                throw Error($"cannot set the state of a {Describe(instance)} while unpickling; {Supported}");
        }
    }

    private void StoreItems(PyDict dict, IReadOnlyList<object?> items)
    {
        if (items.Count % 2 != 0)
        {
            throw Error("odd number of dict items");
        }

        for (var i = 0; i < items.Count; i += 2)
        {
            var key = items[i] ?? throw Error("a dict has the key None, which Kiln does not support");
            if (key is not (string or long or double or bool or object?[]))
            {
                throw Error($"a dict has a key of type {Describe(key)}; Kiln supports str, int, float, bool and tuple keys");
            }

            dict[key] = items[i + 1];
        }
    }

    private object? Memo(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error($"memo index {index} used before it was set");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Error("pickle stack underflow");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
        {
            throw Error("pickle MARK missing");
        }

        var start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private object?[] AsTuple(object? value) => value switch
    {
        object?[] t => t,
        List<object?> l => l.ToArray(),
        _ => throw Error($"expected a tuple, found {Describe(value)}"),
    };

    private List<object?> AsList(object? value) =>
        value as List<object?> ?? throw Error($"cannot append to a {Describe(value)}; {Supported}");

    private PyDict AsDict(object? value) =>
        value as PyDict ?? throw Error($"cannot set items of a {Describe(value)}; {Supported}");

    private long ToLongValue(object? value) => value is long l ? l : throw Error($"expected an int, found {Describe(value)}");

    private long ToLong(byte[] littleEndianTwosComplement)
    {
        var value = new BigInteger(littleEndianTwosComplement, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw Error($"the integer {value} does not fit in 64 bits; Kiln reads Python ints as long");
    }

    private long ParseTextInt(string text) => text switch
    {
        "00" => 0, // protocol 0 spells False and True as I00 / I01
        "01" => 1,
        _ => long.Parse(text, CultureInfo.InvariantCulture),
    };

    private string Utf8(ulong length) => Encoding.UTF8.GetString(_in.ReadBytes(checked((int)length)));

    private string ReadLine()
    {
        var bytes = new List<byte>();
        byte b;
        while ((b = _in.ReadByte()) != (byte)'\n')
        {
            bytes.Add(b);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal g => $"'{g.FullName}'",
        _ => value.GetType().Name,
    };

    private KilnException Error(string message, Exception? inner = null) =>
        new($"cannot read checkpoint {_source}: {message}", inner);
}
