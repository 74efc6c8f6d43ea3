namespace Kiln.Models.WeightInit;

/// <summary>The <c>distribution</c> values Xavier and Kaiming accept.</summary>
internal static class Distributions
{
    public static string Check(string distribution, string initializer) => distribution is "normal" or "uniform"
        ? distribution
        : throw new KilnException($"{initializer}: distribution must be 'normal' or 'uniform', got '{distribution}'.");
}
