using Kiln.Models;
using Kiln.Registry;
using Kiln.Structures;

namespace Kiln.Vision.Models;

/// <summary>
/// mmpretrain's <c>AverageClsScoreTTA</c>: the mean of the views' <c>pred_score</c>, and its arg-max as
/// <c>pred_label</c>. Config: <c>tta_model = dict(type='AverageClsScoreTTA')</c>, with <c>module</c> the model.
/// </summary>
[Register(Registries.Models)]
public sealed class AverageClsScoreTTA(BaseModel module) : BaseTTAModel(nameof(AverageClsScoreTTA), module)
{
    public override IReadOnlyList<DataSample> MergePreds(IReadOnlyList<IReadOnlyList<DataSample>> dataSamplesList)
    {
        var merged = new List<DataSample>(dataSamplesList.Count);
        foreach (var views in dataSamplesList)
        {
            var first = views[0];
            var scores = new float[first.PredScore?.Length ?? throw new KilnException("AverageClsScoreTTA: the module's predictions have no pred_score.")];
            foreach (var view in views)
            {
                var s = view.PredScore!;
                for (int c = 0; c < scores.Length; c++) scores[c] += s[c] / views.Count;
            }
            first.PredScore = scores;
            first.PredLabel = Array.IndexOf(scores, scores.Max());
            merged.Add(first);
        }
        return merged;
    }
}
