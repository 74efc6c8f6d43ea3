using static TorchSharp.torch;

namespace Kiln.Structures;

/// <summary>
/// MMEngine's <c>PixelData</c>: pixel-level fields (segmentation maps, heat maps) as C×H×W tensors that all share H×W.
/// A 2-D H×W value gets a leading channel dimension.
/// </summary>
public class PixelData : BaseDataElement
{
    public PixelData() { }

    public PixelData(IReadOnlyDictionary<string, object?>? metainfo, IReadOnlyDictionary<string, object?>? data = null) : base(metainfo, data) { }

    /// <summary>(H, W) of the fields, or null when there is none.</summary>
    public (long Height, long Width)? Shape => Values().Count == 0 ? null
        : (((Tensor)Values()[0]!).shape[^2], ((Tensor)Values()[0]!).shape[^1]);

    public override void Set(string key, object? value)
    {
        if (value is not Tensor t)
            throw new KilnException($"PixelData.{key} must be a tensor (H×W or C×H×W), not {value?.GetType().Name ?? "None"}.");
        if (t.dim() is not (2 or 3))
            throw new KilnException($"The dim of value must be 2 or 3, but got {t.dim()} (PixelData.{key}, shape [{string.Join(", ", t.shape)}]).");
        if (t.dim() == 2) t = t.unsqueeze(0);
        if (Shape is { } hw && !(Keys().Count == 1 && Keys()[0] == key) && (t.shape[1] != hw.Height || t.shape[2] != hw.Width))
            throw new KilnException($"The height and width of values ({t.shape[1]}, {t.shape[2]}) are not consistent with the shape of this :obj:`PixelData` ({hw.Height}, {hw.Width}) (field '{key}').");
        base.Set(key, t);
    }

    /// <summary>The region rows × cols of every field (MMEngine's <c>pixel_data[y0:y1, x0:x1]</c>).</summary>
    public PixelData this[Range rows, Range cols]
    {
        get
        {
            var (h, w) = Shape ?? (0, 0);
            var (r0, rn) = rows.GetOffsetAndLength((int)h);
            var (c0, cn) = cols.GetOffsetAndLength((int)w);
            var result = new PixelData(Metainfo);
            foreach (var (key, value) in Items())
                result.Set(key, ((Tensor)value!).narrow(1, r0, rn).narrow(2, c0, cn));
            return result;
        }
    }
}
