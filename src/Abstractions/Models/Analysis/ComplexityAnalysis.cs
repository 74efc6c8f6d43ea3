using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.Analysis;

/// <summary>
/// MMEngine's <c>get_model_complexity_info</c> (ANA-01..06): runs one forward pass with hooks on every layer, counts
/// FLOPs and activations per layer type (<see cref="OpCounter"/>), sums them up the module tree, and prints MMEngine's
/// table (<c>complexity_stats_table</c>) and arch (<c>complexity_stats_str</c>) views.
/// </summary>
/// <remarks>
/// fvcore traces operators; Kiln counts the layers a forward pass calls, so operators a model's own forward applies
/// outside any layer (a functional <c>linear</c>, a matmul) are not counted. The model runs in its current mode
/// (training by default, as in MMEngine, which counts batch norm at 5 flops per element). A layer is hooked when it is
/// a <c>Module&lt;Tensor, Tensor&gt;</c> invoked with <c>call</c>; models that invoke sub-layers with <c>forward</c>
/// bypass TorchSharp's hooks, and their layers show as not called (N/A).
/// </remarks>
public static class ComplexityAnalysis
{
    /// <summary>Analyses <paramref name="model"/> on a random input of shape (1, *<paramref name="inputShape"/>) (MMEngine prepends the batch dimension).</summary>
    public static ComplexityInfo GetModelComplexityInfo(nn.Module model, IReadOnlyList<long> inputShape, bool showTable = true, bool showArch = true)
    {
        using var scope = NewDisposeScope();
        var input = randn([1, .. inputShape]);
        return GetModelComplexityInfo(model, input, showTable, showArch);
    }

    /// <summary>Analyses <paramref name="model"/> on <paramref name="inputs"/> (MMEngine's <c>inputs=</c>).</summary>
    public static ComplexityInfo GetModelComplexityInfo(nn.Module model, Tensor inputs, bool showTable = true, bool showArch = true)
    {
        using var scope = NewDisposeScope();
        var trace = ModuleTrace.Run(model, inputs);
        long flops = trace.Flops[""], acts = trace.Activations[""];
        var paramCount = ParameterCount(model);
        long parameters = paramCount.TryGetValue("", out var p) ? p : 0;
        string table = showTable ? "\n" + ComplexityTable.Format(model, trace, paramCount) : "";
        string arch = showArch ? "\n" + ComplexityArch.Format(model, trace, paramCount) : "";
        return new ComplexityInfo(flops, SizeFormat.Format(flops), acts, SizeFormat.Format(acts), parameters, SizeFormat.Format(parameters), table, arch);
    }

    /// <summary>MMEngine's <c>parameter_count</c>: parameters under every name prefix ('' is the model, 'fc1.weight' a parameter).</summary>
    public static OrderedDictionary<string, long> ParameterCount(nn.Module model)
    {
        var count = new OrderedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, param) in model.named_parameters())
        {
            var parts = name.Split('.');
            for (int k = 0; k <= parts.Length; k++)
            {
                string prefix = string.Join('.', parts.Take(k));
                count[prefix] = (count.TryGetValue(prefix, out var c) ? c : 0) + param.numel();
            }
        }
        return count;
    }

    /// <summary>The model's modules with their dotted names, the model itself first as ''.</summary>
    internal static List<(string Name, nn.Module Module)> NamedModules(nn.Module model)
    {
        var list = new List<(string, nn.Module)> { ("", model) };
        void Walk(nn.Module m, string prefix)
        {
            foreach (var (name, child) in m.named_children())
            {
                string full = prefix.Length == 0 ? name : prefix + "." + name;
                list.Add((full, child));
                Walk(child, full);
            }
        }
        Walk(model, "");
        return list;
    }

    /// <summary>Runs the model once: a <see cref="BaseModel"/> in tensor mode (as MMEngine's analysis models default to), any other layer with <c>call</c>.</summary>
    internal static void Forward(nn.Module model, Tensor inputs)
    {
        switch (model)
        {
            case BaseModel baseModel:
                var samples = Enumerable.Range(0, (int)inputs.shape[0]).Select(_ => new DataSample()).ToList();
                baseModel.Forward(inputs, samples, ForwardMode.Tensor);
                break;
            case nn.Module<Tensor, Tensor> layer:
                layer.call(inputs);
                break;
            default:
                throw new KilnException($"cannot analyse a {model.GetType().Name}: it is neither a BaseModel nor a Module<Tensor, Tensor>.");
        }
    }
}
