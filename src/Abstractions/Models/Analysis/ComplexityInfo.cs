namespace Kiln.Models.Analysis;

/// <summary>What MMEngine's <c>get_model_complexity_info</c> returns (ANA-01).</summary>
public sealed record ComplexityInfo(
    long Flops, string FlopsStr, long Activations, string ActivationsStr, long Params, string ParamsStr, string OutTable, string OutArch);
