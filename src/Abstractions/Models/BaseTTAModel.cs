using System.Collections;
using Kiln.Optim;
using Kiln.Structures;
using static TorchSharp.torch;

namespace Kiln.Models;

/// <summary>
/// MMEngine's <c>BaseTTAModel</c> (MOD-15): test-time augmentation around a model (<c>module</c>). Each test sample
/// carries several augmented views (its input is a list, as MMCV's <c>TestTimeAug</c> makes it); <see cref="TestStep(DataBatch)"/>
/// runs the module's <c>TestStep</c> once per view and hands the predictions, grouped per sample, to
/// <see cref="MergePreds"/>. Subclasses implement <see cref="MergePreds"/> (mmpretrain's <c>AverageClsScoreTTA</c>
/// averages scores) or override <see cref="TestStep(IReadOnlyList{DataBatch})"/> for more.
/// </summary>
public abstract class BaseTTAModel : BaseModel
{
    private readonly BaseModel module;

    /// <param name="name">The TTA model's name.</param>
    /// <param name="module">The model whose predictions are merged (its own data preprocessor runs per view).</param>
    protected BaseTTAModel(string name, BaseModel module) : base(name, null)
    {
        this.module = module;
        register_module("module", module);
    }

    /// <summary>The wrapped model.</summary>
    public BaseModel Module => module;

    /// <summary>
    /// Merges each sample's predictions: <paramref name="dataSamplesList"/>[i][v] is sample i's prediction on view v;
    /// returns one prediction per sample.
    /// </summary>
    public abstract IReadOnlyList<DataSample> MergePreds(IReadOnlyList<IReadOnlyList<DataSample>> dataSamplesList);

    /// <summary>Splits a batch whose inputs are lists of views into one batch per view, then tests and merges.</summary>
    public override IReadOnlyList<DataSample> TestStep(DataBatch batch) => TestStep(SplitViews(batch));

    /// <summary>Validation runs the same augmented test (MMEngine's TTA models are used by the test loop).</summary>
    public override IReadOnlyList<DataSample> ValStep(DataBatch batch) => TestStep(batch);

    /// <summary>MMEngine's <c>test_step</c>: the module's predictions for each view, regrouped per sample, merged.</summary>
    public virtual IReadOnlyList<DataSample> TestStep(IReadOnlyList<DataBatch> views)
    {
        if (views.Count == 0) throw new KilnException($"{GetType().Name}: a TTA batch needs at least one view.");
        var perView = views.Select(module.TestStep).ToList();
        int samples = perView[0].Count;
        var grouped = new List<IReadOnlyList<DataSample>>(samples);
        for (int i = 0; i < samples; i++) grouped.Add(perView.Select(p => p[i]).ToList());
        return MergePreds(grouped);
    }

    public override IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper) =>
        throw new KilnException($"{GetType().Name} is a test-time augmentation model; it does not train (train its module instead).");

    public override ModelOutput Forward(Tensor inputs, IReadOnlyList<DataSample> dataSamples, ForwardMode mode) =>
        throw new KilnException($"{GetType().Name} has no forward of its own: it runs {module.GetType().Name}.TestStep once per augmented view.");

    /// <summary>
    /// One batch per view: sample i's input must be a list of V views (V the same for every sample); each view gets
    /// its own copy of the sample's data sample, so per-view predictions do not overwrite each other.
    /// </summary>
    public static IReadOnlyList<DataBatch> SplitViews(DataBatch batch)
    {
        int? count = null;
        var views = new List<IList>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Inputs[i] is not IList list || batch.Inputs[i] is Tensor)
                throw new KilnException($"TTA: input {i} is a {batch.Inputs[i].GetType().Name}; a TTA pipeline gives each sample a list of augmented views.");
            if (count is not null && list.Count != count)
                throw new KilnException($"TTA: sample {i} has {list.Count} views but sample 0 has {count}; every sample needs the same augmentations.");
            count = list.Count;
            views.Add(list);
        }
        var result = new List<DataBatch>(count ?? 0);
        for (int v = 0; v < (count ?? 0); v++)
        {
            var inputs = views.Select(list => list[v]!).ToList();
            var samples = batch.DataSamples.Select(s => s is null ? null : Copy(s)).ToList();
            result.Add(new DataBatch(inputs, samples));
        }
        return result;
    }

    private static DataSample Copy(DataSample sample)
    {
        var copy = new DataSample();
        foreach (var (key, value) in sample.MetaInfo) copy.SetMetaInfo(key, value);
        foreach (var (key, value) in sample.Fields) copy.Set(key, value);
        return copy;
    }
}
