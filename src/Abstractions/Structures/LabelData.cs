using static TorchSharp.torch;

namespace Kiln.Structures;

/// <summary>MMEngine's <c>LabelData</c>: image-level labels (a label tensor, a one-hot or score tensor) and the conversions between them.</summary>
public class LabelData : BaseDataElement
{
    public LabelData() { }

    public LabelData(IReadOnlyDictionary<string, object?>? metainfo, IReadOnlyDictionary<string, object?>? data = null) : base(metainfo, data) { }

    /// <summary>Class indices (a 1-D long tensor) to a one-hot vector of <paramref name="numClasses"/> (MMEngine's <c>label_to_onehot</c>).</summary>
    public static Tensor LabelToOnehot(Tensor label, int numClasses)
    {
        if (label.dtype != ScalarType.Int64 && label.dtype != ScalarType.Int32)
            throw new KilnException($"LabelData.LabelToOnehot: label must be an integer tensor, got {label.dtype}.");
        using var flat = label.flatten();
        if (flat.numel() > 0 && flat.max().item<long>() >= numClasses)
            throw new KilnException($"LabelData.LabelToOnehot: label {flat.max().item<long>()} is not below num_classes {numClasses}.");
        var onehot = zeros(numClasses, dtype: label.dtype, device: label.device);
        onehot.index_put_(ones(1, dtype: label.dtype, device: label.device), flat.to(int64));
        return onehot;
    }

    /// <summary>A one-hot vector (values 0 or 1) to the indices set (MMEngine's <c>onehot_to_label</c>).</summary>
    public static Tensor OnehotToLabel(Tensor onehot)
    {
        if (onehot.numel() > 0 && (onehot.max().to(float64).item<double>() > 1 || onehot.min().to(float64).item<double>() < 0))
            throw new KilnException("LabelData.OnehotToLabel: the one-hot tensor has values outside [0, 1].");
        return onehot.nonzero().squeeze(-1);
    }
}
