using System.Collections;
using Kiln.Checkpoints;
using Kiln.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// MMEngine's <c>OptimWrapperDict</c> (optim/optimizer/optimizer_wrapper_dict.py, OPT-09): several named optimizer
/// wrappers for a model with several optimizers (a GAN's <c>generator</c> and <c>discriminator</c>). A model's
/// <c>TrainStep</c> takes each wrapper by name (<c>wrappers["gen"].UpdateParams(loss)</c>); the dict itself has no
/// update, backward, step, zero-grad or context, exactly as in MMEngine, so calling them is an error.
/// <see cref="GetLr"/> reports <c>gen.lr</c>, <c>disc.lr</c> (and <c>name.base_lr</c>); the state is one state dict per name.
/// </summary>
public sealed class OptimWrapperDict : IManagedOptimWrapper, IOptimWrapperDict, IReadOnlyDictionary<string, OptimWrapper>
{
    private readonly Dictionary<string, OptimWrapper> _wrappers;
    private readonly List<string> _order;

    public OptimWrapperDict(IEnumerable<KeyValuePair<string, OptimWrapper>> wrappers)
    {
        ArgumentNullException.ThrowIfNull(wrappers);
        _wrappers = new(StringComparer.Ordinal);
        _order = [];
        foreach (var (name, wrapper) in wrappers)
        {
            if (wrapper is null)
                throw new KilnException($"OptimWrapperDict: '{name}' must be an OptimWrapper, got None.");
            if (!_wrappers.TryAdd(name, wrapper))
                throw new KilnException($"OptimWrapperDict: '{name}' is given twice.");
            _order.Add(name);
        }
    }

    public OptimWrapper this[string key] => _wrappers.TryGetValue(key, out var w) ? w
        : throw new KilnException($"OptimWrapperDict has no optimizer wrapper '{key}'; it has {string.Join(", ", _order.Select(n => $"'{n}'"))}.");

    public IEnumerable<string> Keys => _order;

    IOptimWrapper IOptimWrapperDict.this[string name] => this[name];

    IEnumerable<string> IOptimWrapperDict.Names => _order;

    public IEnumerable<OptimWrapper> Values => _order.Select(n => _wrappers[n]);

    public int Count => _order.Count;

    public bool ContainsKey(string key) => _wrappers.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out OptimWrapper value) => _wrappers.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, OptimWrapper>> GetEnumerator() =>
        _order.Select(n => new KeyValuePair<string, OptimWrapper>(n, _wrappers[n])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public IMessageHub? MessageHub
    {
        get => Values.FirstOrDefault()?.MessageHub;
        set
        {
            foreach (var w in Values) w.MessageHub = value;
        }
    }

    public void UpdateParams(Tensor loss) => throw Separately("UpdateParams");

    public void Backward(Tensor loss) => throw Separately("Backward");

    public void Step() => throw Separately("Step");

    public void ZeroGrad() => throw Separately("ZeroGrad");

    public IDisposable OptimContext(nn.Module model) => throw Separately("OptimContext");

    public void InitializeCountStatus(int initCounts, int maxCounts)
    {
        foreach (var w in Values) w.InitializeCountStatus(initCounts, maxCounts);
    }

    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetLr()
    {
        var result = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var (name, wrapper) in this)
        {
            var lr = wrapper.GetLr();
            if (lr.TryGetValue("base_lr", out var baseLr)) result[$"{name}.base_lr"] = baseLr;
            result[$"{name}.lr"] = lr["lr"];
        }
        return result;
    }

    public IReadOnlyDictionary<string, IReadOnlyList<double>> GetMomentum() =>
        this.ToDictionary(kv => $"{kv.Key}.momentum", kv => kv.Value.GetMomentum()["momentum"]);

    /// <summary><c>{name: wrapper.state_dict()}</c>, as MMEngine saves it.</summary>
    public PyDict StateDict()
    {
        var result = new PyDict();
        foreach (var (name, wrapper) in this) result[name] = wrapper.StateDict();
        return result;
    }

    public void LoadStateDict(PyDict stateDict, string source)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        foreach (var (key, value) in stateDict)
        {
            if (key is not string name || !_wrappers.TryGetValue(name, out var wrapper))
                throw new KilnException($"cannot load optimizer state from {source}: mismatched state dict, it has '{key}', "
                    + $"which is not in the OptimWrapperDict ({string.Join(", ", _order.Select(n => $"'{n}'"))}).");
            if (value is not PyDict inner)
                throw new KilnException($"cannot load optimizer state from {source}: the entry '{name}' is not a dict.");
            wrapper.LoadStateDict(inner, $"{source} ['{name}']");
        }
    }

    private static KilnException Separately(string what) =>
        new($"OptimWrapperDict: `{what}` should be called by each optimizer wrapper separately, e.g. optimWrapper[\"generator\"].{what}(...).");

    public override string ToString() => $"OptimWrapperDict({string.Join(", ", _order)})";
}
