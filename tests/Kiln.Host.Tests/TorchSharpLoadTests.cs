using TorchSharp;

namespace Kiln.Tests;

/// <summary>The native load fix (DESIGN.md, "TorchSharp on Debian 12") works in a build output.</summary>
public class TorchSharpLoadTests
{
    [Fact]
    public void Tensor_Backward_ComputesGradient()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2f, 4f, 6f }, x.grad!.data<float>().ToArray());
    }
}
