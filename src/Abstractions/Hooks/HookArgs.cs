using Kiln.Structures;

namespace Kiln.Hooks;

/// <summary>Arguments of <c>before_*_iter</c>: the batch index within the epoch (global iteration in iter-based training) and the batch.</summary>
public sealed record BatchArgs(int BatchIndex, DataBatch Batch);

/// <summary>Arguments of <see cref="Hook.AfterTrainIter"/>: the batch and the model's log values.</summary>
public sealed record TrainIterArgs(int BatchIndex, DataBatch Batch, IReadOnlyDictionary<string, double> Outputs);

/// <summary>Arguments of <see cref="Hook.AfterValIter"/> and <see cref="Hook.AfterTestIter"/>: the batch and its predictions.</summary>
public sealed record EvalIterArgs(int BatchIndex, DataBatch Batch, IReadOnlyList<DataSample> Outputs);

/// <summary>Arguments of <see cref="Hook.AfterValEpoch"/> and <see cref="Hook.AfterTestEpoch"/>: the evaluator's metrics.</summary>
public sealed record MetricsArgs(IReadOnlyDictionary<string, double> Metrics);

/// <summary>Arguments of the checkpoint stages: the checkpoint dict, which the hook may change.</summary>
public sealed record CheckpointArgs(IDictionary<string, object?> Checkpoint);
