using TorchSharp;

namespace Kiln.Gan.Tests;

internal static class TensorAssert
{
    /// <summary>Same shape and every element equal (torch.equal), as a plain bool.</summary>
    public static bool SameAs(this torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
