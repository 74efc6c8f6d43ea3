using System.Text;

namespace Kiln.Datasets;

/// <summary>
/// MMEngine's <c>Compose</c> (dataset/base_dataset.py): applies transforms in order and stops with null as soon
/// as one returns null. A pipeline given in a config (<c>pipeline=[dict(type='LoadImageFromFile'), …]</c>) is built
/// from the TRANSFORMS registry by the config binder before it gets here.
/// </summary>
public sealed class Compose : ITransform
{
    public Compose(IEnumerable<ITransform>? transforms)
    {
        var list = new List<ITransform>();
        if (transforms is not null)
        {
            int i = 0;
            foreach (var t in transforms)
            {
                list.Add(t ?? throw new KilnException($"pipeline[{i}] is null; every pipeline step must be a transform."));
                i++;
            }
        }
        Transforms = list;
    }

    public IReadOnlyList<ITransform> Transforms { get; }

    public Dictionary<string, object?>? Transform(Dictionary<string, object?> results)
    {
        Dictionary<string, object?>? data = results;
        foreach (var t in Transforms)
        {
            data = t.Transform(data);
            if (data is null) return null;
        }
        return data;
    }

    /// <summary>MMEngine's repr: <c>Compose(</c>, one transform per line indented by four, <c>)</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Compose(\n");
        foreach (var t in Transforms) sb.Append("    ").Append(t).Append('\n');
        return sb.Append(')').ToString();
    }
}
