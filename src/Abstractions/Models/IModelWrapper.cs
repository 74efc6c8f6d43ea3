using Kiln.Optim;
using Kiln.Structures;

namespace Kiln.Models;

/// <summary>
/// MMEngine's model wrappers (MODEL_WRAPPERS, <c>model_wrapper_cfg</c>): an object around the model that the train
/// loop calls instead of the model (data-parallel gradient synchronisation, DIST-05). <see cref="Module"/> is the
/// wrapped model, which checkpoints and hooks see (MMEngine's <c>runner.model.module</c>).
/// </summary>
public interface IModelWrapper
{
    /// <summary>The wrapped model.</summary>
    BaseModel Module { get; }

    /// <summary>One optimisation step, as <see cref="BaseModel.TrainStep"/>, with the wrapper's extra work around it.</summary>
    IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper);

    /// <summary>Predictions for one validation batch.</summary>
    IReadOnlyList<DataSample> ValStep(DataBatch batch);

    /// <summary>Predictions for one test batch.</summary>
    IReadOnlyList<DataSample> TestStep(DataBatch batch);
}
