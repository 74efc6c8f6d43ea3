using static TorchSharp.torch;

namespace Kiln.Structures;

/// <summary>
/// MMEngine's <c>BaseDataElement</c>: meta information (image shape, file name: set once, not indexed or moved) kept
/// apart from data fields (tensors, arrays, lists). <see cref="To"/>, <see cref="Cpu"/> and <see cref="Detach"/>
/// apply to every tensor field (and nested elements), returning a new element as MMEngine's do.
/// </summary>
public class BaseDataElement
{
    private readonly Dictionary<string, object?> _metainfo = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _data = new(StringComparer.Ordinal);
    private readonly List<string> _metainfoOrder = [];
    private readonly List<string> _dataOrder = [];

    public BaseDataElement() { }

    public BaseDataElement(IReadOnlyDictionary<string, object?>? metainfo, IReadOnlyDictionary<string, object?>? data = null)
    {
        if (metainfo is not null) SetMetainfo(metainfo);
        if (data is not null) SetData(data);
    }

    /// <summary>Sets meta fields; a name already used by a data field is an error.</summary>
    public void SetMetainfo(IReadOnlyDictionary<string, object?> metainfo)
    {
        foreach (var (key, value) in metainfo)
        {
            if (_data.ContainsKey(key))
                throw new KilnException($"Cannot set {key} to be a field of metainfo because {key} is already a data field");
            if (!_metainfo.ContainsKey(key)) _metainfoOrder.Add(key);
            _metainfo[key] = value;
        }
    }

    /// <summary>Sets data fields (MMEngine's <c>set_data</c>).</summary>
    public void SetData(IReadOnlyDictionary<string, object?> data)
    {
        foreach (var (key, value) in data) Set(key, value);
    }

    /// <summary>Sets one data field (MMEngine's attribute assignment); a metainfo name is an error.</summary>
    public virtual void Set(string key, object? value)
    {
        if (_metainfo.ContainsKey(key))
            throw new KilnException($"Cannot set {key} to be a field of data because {key} is already a metainfo field");
        if (!_data.ContainsKey(key)) _dataOrder.Add(key);
        _data[key] = value;
    }

    /// <summary>A data or meta field's value (MMEngine's <c>get</c> without default): missing is an error listing the keys.</summary>
    public object? this[string key] => _data.TryGetValue(key, out var v) ? v
        : _metainfo.TryGetValue(key, out var m) ? m
        : throw new KeyNotFoundException($"'{GetType().Name}' object has no attribute '{key}' (data: {string.Join(", ", _dataOrder)}; metainfo: {string.Join(", ", _metainfoOrder)})");

    /// <summary>A field's value, or <paramref name="defaultValue"/> when absent.</summary>
    public object? Get(string key, object? defaultValue = null) =>
        _data.TryGetValue(key, out var v) ? v : _metainfo.TryGetValue(key, out var m) ? m : defaultValue;

    /// <summary>A field as <typeparamref name="T"/>; absent or of another type is an error.</summary>
    public T Get<T>(string key) => this[key] is T t ? t
        : throw new KilnException($"{GetType().Name}.{key} is a {this[key]?.GetType().Name ?? "None"}, not a {typeof(T).Name}.");

    /// <summary>Removes a data field and returns it (MMEngine's <c>pop</c>; metainfo cannot be popped).</summary>
    public object? Pop(string key, object? defaultValue = null)
    {
        if (!_data.Remove(key, out var value)) return defaultValue;
        _dataOrder.Remove(key);
        return value;
    }

    /// <summary>Whether <paramref name="key"/> is a data or meta field (MMEngine's <c>in</c>).</summary>
    public bool Contains(string key) => _data.ContainsKey(key) || _metainfo.ContainsKey(key);

    /// <summary>Data field names, in the order set.</summary>
    public IReadOnlyList<string> Keys() => [.. _dataOrder];

    public IReadOnlyList<object?> Values() => _dataOrder.Select(k => _data[k]).ToList();

    public IReadOnlyList<KeyValuePair<string, object?>> Items() => _dataOrder.Select(k => new KeyValuePair<string, object?>(k, _data[k])).ToList();

    public IReadOnlyList<string> MetainfoKeys() => [.. _metainfoOrder];

    public IReadOnlyList<object?> MetainfoValues() => _metainfoOrder.Select(k => _metainfo[k]).ToList();

    public IReadOnlyList<KeyValuePair<string, object?>> MetainfoItems() => _metainfoOrder.Select(k => new KeyValuePair<string, object?>(k, _metainfo[k])).ToList();

    /// <summary>Meta then data field names.</summary>
    public IReadOnlyList<string> AllKeys() => [.. _metainfoOrder, .. _dataOrder];

    public IReadOnlyDictionary<string, object?> Metainfo => _metainfoOrder.ToDictionary(k => k, k => _metainfo[k]);

    /// <summary>MMEngine's <c>new</c>: same metainfo (updated by <paramref name="metainfo"/>), and <paramref name="data"/> or, when null, this element's data.</summary>
    public BaseDataElement New(IReadOnlyDictionary<string, object?>? metainfo = null, IReadOnlyDictionary<string, object?>? data = null)
    {
        var copy = CreateEmpty();
        copy.SetMetainfo(Metainfo);
        if (metainfo is not null) copy.SetMetainfo(metainfo);
        copy.SetData(data ?? Items().ToDictionary(kv => kv.Key, kv => kv.Value));
        return copy;
    }

    /// <summary>A shallow copy (MMEngine's <c>clone</c>): the same values in a new element.</summary>
    public BaseDataElement Clone() => New();

    /// <summary>Every tensor field moved to <paramref name="device"/> (MMEngine's <c>to</c>), in a new element.</summary>
    public BaseDataElement To(Device device) => Map(t => t.to(device), e => e.To(device));

    public BaseDataElement Cpu() => To(CPU);

    public BaseDataElement Detach() => Map(t => t.detach(), e => e.Detach());

    /// <summary>An empty element of the same type (override when the constructor needs arguments).</summary>
    protected virtual BaseDataElement CreateEmpty() => (BaseDataElement)Activator.CreateInstance(GetType())!;

    private BaseDataElement Map(Func<Tensor, Tensor> tensorOp, Func<BaseDataElement, BaseDataElement> elementOp)
    {
        var copy = CreateEmpty();
        copy.SetMetainfo(Metainfo);
        foreach (var (key, value) in Items())
            copy.Set(key, value switch { Tensor t => tensorOp(t), BaseDataElement e => elementOp(e), _ => value });
        return copy;
    }

    public override string ToString() =>
        $"<{GetType().Name}(\n\n    META INFORMATION\n{string.Concat(MetainfoItems().Select(kv => $"    {kv.Key}: {kv.Value}\n"))}\n    DATA FIELDS\n{string.Concat(Items().Select(kv => $"    {kv.Key}: {kv.Value}\n"))}) at 0x{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this):x}>";
}
