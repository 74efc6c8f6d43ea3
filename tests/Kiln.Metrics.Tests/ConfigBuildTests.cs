using Kiln.Evaluation;
using Kiln.Hosting;
using Kiln.Metrics;
using Kiln.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using KilnConfig = Kiln.Config.Config;

namespace Kiln.Metrics.Tests;

/// <summary>EVAL-02: the metrics build from MMEngine-ecosystem config dicts (names and argument keys) in scope <c>metrics</c>.</summary>
public sealed class ConfigBuildTests : IDisposable
{
    private readonly IHost _host = KilnHost.Create(o =>
    {
        o.LoadPluginFolders = false;
        o.InProcessPlugins.Add(new MetricsPlugin());
    }, TextWriter.Null);

    public void Dispose() => _host.Dispose();

    private Evaluator Build(string evaluatorPy)
    {
        var cfg = KilnConfig.FromString(evaluatorPy, ".py");
        return Evaluator.FromConfig(cfg.Dict.Get("test_evaluator"), _host.Services.GetRequiredService<IComponentBuilder>(), "test_evaluator", "metrics");
    }

    [Fact]
    public void Metrics_BuildFromConfigKeys()
    {
        var evaluator = Build("""
            test_evaluator = [
                dict(type='Accuracy', topk=(1, 5), thrs=(None, 0.5)),
                dict(type='SingleLabelMetric', thrs=0.3, items=('precision', 'support'), average=None, num_classes=4, prefix='sl'),
                dict(type='MultiLabelMetric', thr=0.3, average='micro'),
                dict(type='metrics.AveragePrecision', average=None, prefix='ap'),
                dict(type='ConfusionMatrix', num_classes=3),
                dict(type='MAE', gt_key='hr', scaling=100),
                dict(type='MSE', mask_key='mask', collect_device='gpu', prefix='mse'),
                dict(type='MeanAbsoluteError', prefix='mae2'),
                dict(type='PSNR', crop_border=4, input_order='HWC', convert_to='Y'),
                dict(type='SSIM', crop_border=2, prefix='s'),
            ]
            """);
        var m = evaluator.Metrics;
        var acc = Assert.IsType<Accuracy>(m[0]);
        Assert.Equal([1, 5], acc.Topk);
        Assert.Equal([null, 0.5], acc.Thrs);
        var sl = Assert.IsType<SingleLabelMetric>(m[1]);
        Assert.Equal([0.3], sl.Thrs);
        Assert.Equal(["precision", "support"], sl.Items);
        Assert.Null(sl.Average);
        Assert.Equal(4, sl.NumClasses);
        Assert.Equal("sl", sl.Prefix);
        var ml = Assert.IsType<MultiLabelMetric>(m[2]);
        Assert.Equal(0.3, ml.Thr);
        Assert.Equal("micro", ml.Average);
        Assert.Equal("multi-label", ml.Prefix);
        Assert.Null(Assert.IsType<AveragePrecision>(m[3]).Average);
        Assert.Equal(3, Assert.IsType<ConfusionMatrix>(m[4]).NumClasses);
        var mae = Assert.IsType<MeanAbsoluteError>(m[5]);
        Assert.Equal(("hr", 100.0), (mae.GtKey, mae.Scaling));
        var mse = Assert.IsType<MeanSquaredError>(m[6]);
        Assert.Equal(("mask", "gpu"), (mse.MaskKey, mse.CollectDevice));
        Assert.IsType<MeanAbsoluteError>(m[7]);
        var psnr = Assert.IsType<PSNR>(m[8]);
        Assert.Equal((4, "HWC", true), (psnr.Transform.CropBorder, psnr.Transform.InputOrder, psnr.Transform.ToY));
        Assert.Equal(2, Assert.IsType<SSIM>(m[9]).Transform.CropBorder);
    }

    [Fact]
    public void UnknownArgument_IsClearErrorNamingTheKey()
    {
        var e = Assert.Throws<KilnException>(() => Build("test_evaluator = dict(type='SingleLabelMetric', averge='micro')"));
        Assert.Contains("averge", e.Message);
    }
}
