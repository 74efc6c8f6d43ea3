using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.Analysis;

/// <summary>Per-module FLOPs and activations of one forward pass (fvcore's <c>by_module</c>), and which modules ran.</summary>
internal sealed class ModuleTrace
{
    public OrderedDictionary<string, long> Flops { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, long> Activations { get; } = new(StringComparer.Ordinal);

    /// <summary>Modules never entered during the pass (fvcore's <c>uncalled_modules</c>).</summary>
    public HashSet<string> Uncalled { get; } = new(StringComparer.Ordinal);

    public static ModuleTrace Run(nn.Module model, Tensor inputs)
    {
        var trace = new ModuleTrace();
        var modules = ComplexityAnalysis.NamedModules(model);
        var called = new HashSet<string>(StringComparer.Ordinal) { "" };
        var own = new Dictionary<string, (long Flops, long Acts)>(StringComparer.Ordinal);
        var removers = new List<Action>();
        foreach (var (name, module) in modules)
        {
            own[name] = (0, 0);
            if (module is nn.Module<Tensor, Tensor> layer)
            {
                string key = name;
                var handle = layer.register_forward_hook((m, input, output) =>
                {
                    called.Add(key);
                    var (f, a) = OpCounter.Count(m, input, output);
                    own[key] = (own[key].Flops + f, own[key].Acts + a);
                    return output;
                });
                removers.Add(handle.remove);
            }
        }
        try
        {
            using (no_grad()) ComplexityAnalysis.Forward(model, inputs);
        }
        finally
        {
            foreach (var remove in removers) remove();
        }

        foreach (var (name, _) in modules)
        {
            trace.Flops[name] = 0;
            trace.Activations[name] = 0;
        }
        foreach (var (name, (f, a)) in own)
        {
            if (f == 0 && a == 0) continue;
            foreach (var prefix in Prefixes(name))
            {
                trace.Flops[prefix] += f;
                trace.Activations[prefix] += a;
            }
        }
        // A module that cannot be hooked (not a Module<Tensor, Tensor>) counts as called when one of its layers ran.
        foreach (var (name, _) in modules)
        {
            bool ran = called.Contains(name) || called.Any(c => c.StartsWith(name + ".", StringComparison.Ordinal));
            if (!ran) trace.Uncalled.Add(name);
        }
        return trace;
    }

    private static IEnumerable<string> Prefixes(string name)
    {
        yield return "";
        if (name.Length == 0) yield break;
        var parts = name.Split('.');
        for (int k = 1; k <= parts.Length; k++) yield return string.Join('.', parts.Take(k));
    }
}
