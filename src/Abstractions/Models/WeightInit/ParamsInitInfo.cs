using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Models.WeightInit;

/// <summary>
/// MMEngine's <c>_params_init_info</c>: during a top-level <c>init_weights()</c>, each parameter's description and
/// mean; an initializer that changes a parameter's mean replaces its description (<c>update_init_info</c>).
/// MMEngine shares one dict across all submodules; here it lives in an async-local for the call's duration.
/// </summary>
internal sealed class ParamsInitInfo
{
    private static readonly AsyncLocal<ParamsInitInfo?> CurrentTable = new();

    private readonly Dictionary<IntPtr, (string Info, double Mean)> _entries = [];

    public static ParamsInitInfo? Current => CurrentTable.Value;

    /// <summary>Starts recording for a top-level module (MMEngine: every parameter "is the same before and after").</summary>
    public static IDisposable Begin(nn.Module top)
    {
        var table = new ParamsInitInfo();
        foreach (var (_, param) in top.named_parameters())
            table._entries[param.Handle] = ($"The value is the same before and after calling `init_weights` of {top.GetType().Name} ", MeanOf(param));
        CurrentTable.Value = table;
        return new End();
    }

    /// <summary>The description recorded for <paramref name="param"/>.</summary>
    public string InfoOf(Tensor param) => _entries[param.Handle].Info;

    /// <summary>MMEngine's <c>update_init_info</c>: a no-op outside an <c>init_weights()</c> call.</summary>
    public static void Update(nn.Module module, string initInfo)
    {
        if (Current is not { } table) return;
        foreach (var (name, param) in module.named_parameters())
        {
            if (!table._entries.TryGetValue(param.Handle, out var entry))
                throw new KilnException($"Find a new Parameter named `{name}` during executing the `init_weights` of `{module.GetType().Name}`. "
                    + "Please do not add or replace parameters during executing the `init_weights`.");
            double mean = MeanOf(param);
            if (!(entry.Mean == mean)) table._entries[param.Handle] = (initInfo, mean);
        }
    }

    private static double MeanOf(Tensor param)
    {
        using var _ = no_grad();
        using var mean = param.to(float64).mean();
        return mean.item<double>();
    }

    private sealed class End : IDisposable
    {
        public void Dispose() => CurrentTable.Value = null;
    }
}
