using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>BaseInit</c>: the <c>bias</c>, <c>bias_prob</c> and <c>layer</c> arguments every built-in
/// initializer shares, and the walk that applies it to each submodule whose class name (or direct base class name)
/// is in <c>layer</c>, or to every submodule when the initializer came from an <c>override</c> entry.
/// </summary>
/// <remarks>
/// Layer names are PyTorch's: TorchSharp's <c>Convolution</c> base answers to <c>_ConvNd</c>, <c>BatchNorm</c> to
/// <c>_BatchNorm</c>, <c>Module&lt;T,R&gt;</c> to <c>Module</c>, so <c>layer='_ConvNd'</c> selects every convolution as in MMEngine.
/// </remarks>
public abstract class BaseInit : IWeightInitializer
{
    private static readonly Dictionary<string, string> PyTorchBaseNames = new(StringComparer.Ordinal)
    {
        ["Convolution"] = "_ConvNd",
        ["ConvolutionTranspose"] = "_ConvTransposeNd",
        ["BatchNorm"] = "_BatchNorm",
        ["InstanceNorm"] = "_InstanceNorm",
        ["NormBase"] = "_NormBase",
    };

    /// <param name="bias">The value biases are filled with.</param>
    /// <param name="biasProb">When set, the bias is <c>bias_init_with_prob(bias_prob)</c> instead of <paramref name="bias"/>.</param>
    /// <param name="layer">Class names of the layers to initialise (one or several); none selects nothing unless <see cref="WholeModule"/>.</param>
    protected BaseInit(double bias = 0, double? biasProb = null, IReadOnlyList<string>? layer = null)
    {
        if (biasProb is { } p && (p <= 0 || p >= 1))
            throw new KilnException($"{GetType().Name}: bias_prob must be in (0, 1), got {PyFormat.Number(p)}.");
        Bias = biasProb is { } prob ? InitFunctions.BiasInitWithProb(prob) : bias;
        Layer = layer ?? [];
    }

    /// <summary>The bias value (after <c>bias_prob</c>).</summary>
    public double Bias { get; }

    /// <summary>The class names selected.</summary>
    public IReadOnlyList<string> Layer { get; }

    public bool WholeModule { get; set; }

    public virtual string InitInfo => $"{GetType().Name}, bias={PyFormat.Number(Bias)}";

    public void Apply(nn.Module module)
    {
        Walk(module);
        ParamsInitInfo.Update(module, InitInfo);
    }

    /// <summary>Initialises one selected module's own <c>weight</c> and <c>bias</c>.</summary>
    protected abstract void InitModule(nn.Module module);

    /// <summary>The module's own parameter <paramref name="name"/> (not a child's), or null (MMEngine's <c>hasattr(m, name) and m.name is not None</c>).</summary>
    protected static Tensor? OwnParameter(nn.Module module, string name)
    {
        foreach (var (n, p) in module.named_parameters(recurse: false))
            if (n == name) return p;
        return null;
    }

    /// <summary>Fills the module's bias, if it has one, with <see cref="Bias"/>.</summary>
    protected void FillBias(nn.Module module)
    {
        if (OwnParameter(module, "bias") is { } bias)
        {
            using var _ = no_grad();
            bias.fill_(Bias);
        }
    }

    /// <summary>The names MMEngine matches against <c>layer</c>: the class name and its direct base class's name.</summary>
    public static IReadOnlyList<string> LayerNames(nn.Module module)
    {
        var type = module.GetType();
        var names = new List<string> { StripArity(type.Name) };
        if (type.BaseType is { } b)
        {
            string baseName = StripArity(b.Name);
            names.Add(PyTorchBaseNames.TryGetValue(baseName, out var py) ? py : baseName);
        }
        return names;
    }

    private static string StripArity(string name) => name.IndexOf('`') is var i and >= 0 ? name[..i] : name;

    // module.apply(init): children first, then the module itself.
    private void Walk(nn.Module module)
    {
        foreach (var child in module.children()) Walk(child);
        if (WholeModule || LayerNames(module).Any(Layer.Contains)) InitModule(module);
    }
}
