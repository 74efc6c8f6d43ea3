using Kiln.Models.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Host.Tests.Models;

/// <summary>ANA-01..05: MMEngine's complexity analysis, checked against the outputs its documentation prints.</summary>
public sealed class ComplexityAnalysisTests
{
    private sealed class InnerNet : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1 = nn.Linear(10, 10);
        private readonly Linear fc2 = nn.Linear(10, 10);

        public InnerNet() : base(nameof(InnerNet)) => RegisterComponents();

        public override Tensor forward(Tensor x) => fc1.call(fc2.call(x));
    }

    private sealed class TestNet : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1 = nn.Linear(10, 10);
        private readonly Linear fc2 = nn.Linear(10, 10);
        private readonly InnerNet inner = new();

        public TestNet() : base(nameof(TestNet)) => RegisterComponents();

        public override Tensor forward(Tensor x) => fc1.call(fc2.call(inner.call(x)));
    }

    // AE-ANA-02, the table of L8262-8285.
    private const string TestNetTable = """

        +---------------------+----------------------+--------+--------------+
        | module              | #parameters or shape | #flops | #activations |
        +---------------------+----------------------+--------+--------------+
        | model               | 0.44K                | 0.4K   | 40           |
        |  fc1                |  0.11K               |  100   |  10          |
        |   fc1.weight        |   (10, 10)           |        |              |
        |   fc1.bias          |   (10,)              |        |              |
        |  fc2                |  0.11K               |  100   |  10          |
        |   fc2.weight        |   (10, 10)           |        |              |
        |   fc2.bias          |   (10,)              |        |              |
        |  inner              |  0.22K               |  0.2K  |  20          |
        |   inner.fc1         |   0.11K              |   100  |   10         |
        |    inner.fc1.weight |    (10, 10)          |        |              |
        |    inner.fc1.bias   |    (10,)             |        |              |
        |   inner.fc2         |   0.11K              |   100  |   10         |
        |    inner.fc2.weight |    (10, 10)          |        |              |
        |    inner.fc2.bias   |    (10,)             |        |              |
        +---------------------+----------------------+--------+--------------+
        """;

    // AE-ANA-02, the arch of L8295-8322.
    private const string TestNetArch = """

        TestNet(
          #params: 0.44K, #flops: 0.4K, #acts: 40
          (fc1): Linear(
            in_features=10, out_features=10, bias=True
            #params: 0.11K, #flops: 100, #acts: 10
          )
          (fc2): Linear(
            in_features=10, out_features=10, bias=True
            #params: 0.11K, #flops: 100, #acts: 10
          )
          (inner): InnerNet(
            #params: 0.22K, #flops: 0.2K, #acts: 20
            (fc1): Linear(
              in_features=10, out_features=10, bias=True
              #params: 0.11K, #flops: 100, #acts: 10
            )
            (fc2): Linear(
              in_features=10, out_features=10, bias=True
              #params: 0.11K, #flops: 100, #acts: 10
            )
          )
        )
        """;

    [Fact]
    public void NestedLinearNet_TableArchAndStrings_AreMMEnginesDocumentedOutput()
    {
        using var scope = NewDisposeScope();
        var info = ComplexityAnalysis.GetModelComplexityInfo(new TestNet(), [10]);
        Assert.Equal(TestNetTable.ReplaceLineEndings("\n"), info.OutTable);
        Assert.Equal(TestNetArch.ReplaceLineEndings("\n"), info.OutArch);
        Assert.Equal((400L, "0.4K", 40L, "40", 440L, "0.44K"), (info.Flops, info.FlopsStr, info.Activations, info.ActivationsStr, info.Params, info.ParamsStr));
    }

    // AE-ANA-01: Conv2d(3, 10, 3) on 1x3x10x10 -> 17280 flops = 10*8*8 * 3*3*3, 640 activations, 280 parameters.
    [Fact]
    public void Conv2d_CountsOneFlopPerMultiplyAdd()
    {
        using var scope = NewDisposeScope();
        var info = ComplexityAnalysis.GetModelComplexityInfo(nn.Conv2d(3, 10, 3), [3, 10, 10], showTable: false, showArch: false);
        Assert.Equal((17280L, 640L, 280L), (info.Flops, info.Activations, info.Params));
        Assert.Equal("", info.OutTable);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(100L, "100")]
    [InlineData(1000L, "1K")]
    [InlineData(9408L, "9.408K")]
    [InlineData(128L, "0.128K")]
    [InlineData(25_557_032L, "25.557M")]
    [InlineData(4_145_000_000L, "4.145G")]
    public void SizeFormat_IsMMEngines(long value, string expected) => Assert.Equal(expected, SizeFormat.Format(value));

    [Fact]
    public void SizeFormat_ArchUsesTwoDecimals() => Assert.Equal("25.56M", SizeFormat.Format(25_557_032L, 2));

    [Fact]
    public void BatchNorm_CountsFivePerElementInTrainingAndTwoInEval()
    {
        using var scope = NewDisposeScope();
        var bn = nn.BatchNorm2d(4);
        Assert.Equal(5 * 4 * 6 * 6, ComplexityAnalysis.GetModelComplexityInfo(bn, [4, 6, 6], false, false).Flops);
        bn.eval();
        Assert.Equal(2 * 4 * 6 * 6, ComplexityAnalysis.GetModelComplexityInfo(bn, [4, 6, 6], false, false).Flops);
    }
}
