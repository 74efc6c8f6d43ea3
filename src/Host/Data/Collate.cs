using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Data;

/// <summary>Collate functions (MMEngine's dataset/utils.py).</summary>
public static class Collate
{
    /// <summary>MMEngine's default, <c>pseudo_collate</c>: inputs and data samples as lists, nothing stacked.</summary>
    [Register(Registries.Functions, "pseudo_collate")]
    public static DataBatch PseudoCollate(IReadOnlyList<Sample> samples)
    {
        var inputs = new object[samples.Count];
        var dataSamples = new DataSample?[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            inputs[i] = samples[i].Inputs;
            dataSamples[i] = samples[i].DataSample;
        }
        return new DataBatch(inputs, dataSamples);
    }
}
