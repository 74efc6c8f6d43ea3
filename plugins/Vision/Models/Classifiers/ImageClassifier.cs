using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Vision.Models.Classifiers;

/// <summary>
/// mmpretrain's <c>ImageClassifier</c>: <c>backbone</c> → optional <c>neck</c> → <c>head</c>, with mmpretrain's
/// state-dict prefixes (<c>backbone.layer1.0.conv1.weight</c>, <c>head.fc.weight</c>). Loss mode returns
/// <c>loss</c> (the head's loss against each sample's <c>gt_label</c>); predict mode sets <c>pred_score</c>
/// (softmax) and <c>pred_label</c>; tensor mode returns the head's logits.
/// </summary>
/// <example><code>
/// model = dict(type='ImageClassifier',
///     backbone=dict(type='ResNet', depth=18, num_classes=0, cifar_stem=True),
///     neck=dict(type='GlobalAveragePooling'),
///     head=dict(type='LinearClsHead', num_classes=10, in_channels=512))
/// </code></example>
[Register(Registries.Models)]
public sealed class ImageClassifier : BaseModel
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly nn.Module<Tensor, Tensor>? neck;
    private readonly LinearClsHead head;

    public ImageClassifier(nn.Module<Tensor, Tensor> backbone, LinearClsHead head, nn.Module<Tensor, Tensor>? neck = null,
        BaseDataPreprocessor? dataPreprocessor = null, object? initCfg = null)
        : base(nameof(ImageClassifier), dataPreprocessor, initCfg)
    {
        this.backbone = backbone;
        this.neck = neck;
        this.head = head;
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Backbone => backbone;

    public LinearClsHead Head => head;

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode)
    {
        var features = backbone.call(inputs);
        if (neck is not null) features = neck.call(features);
        if (features.dim() != 2)
            throw new KilnException($"ImageClassifier: the head needs N×C features but got shape [{string.Join(", ", features.shape)}]; add neck=dict(type='GlobalAveragePooling') or give the backbone num_classes=0.");
        var logits = head.call(features);
        switch (mode)
        {
            case ForwardMode.Tensor:
                return ModelOutput.FromTensor(logits);
            case ForwardMode.Loss:
                var labels = DataSample.GtLabelTensor(dataSamples, "ImageClassifier", logits.device);
                return ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = head.Loss.call(logits, labels) });
            default:
                var scores = nn.functional.softmax(logits, 1).cpu();
                int numClasses = (int)scores.shape[1];
                var flat = scores.data<float>().ToArray();
                for (int i = 0; i < dataSamples.Count; i++)
                {
                    var row = flat.AsSpan(i * numClasses, numClasses).ToArray();
                    dataSamples[i].PredScore = row;
                    dataSamples[i].PredLabel = Array.IndexOf(row, row.Max());
                }
                return ModelOutput.FromPredictions(dataSamples);
        }
    }
}
