using Kiln.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

/// <summary>
/// Converts a TorchSharp optimizer's state to and from the value PyTorch's <c>Optimizer.state_dict()</c> returns,
/// so a Kiln checkpoint's <c>optimizer</c> entry reads as MMEngine writes it and resume restores it exactly.
/// </summary>
/// <remarks>
/// <para>The layout (torch/optim/optimizer.py <c>state_dict</c>):
/// <c>{'state': {0: {...}, 1: {...}}, 'param_groups': [{'lr': 0.1, ..., 'params': [0, 1]}]}</c>. Parameters are
/// numbered 0, 1, … across the groups in order; <c>state</c> holds an entry only for parameters that have state, as
/// PyTorch creates it on the first <c>step()</c> that sees a gradient.</para>
/// <para>Supported: SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop, NAdam, RAdam, ASGD, Rprop (TorchSharp's managed
/// implementations, whose state is public fields on their <c>State</c> classes). TorchSharp's own <c>state_dict()</c> returns live
/// references to those objects and <c>StateIndexRef</c>, the per-group indices into its state list; both are read
/// here, never copied back through TorchSharp's <c>load_state_dict</c>, which takes ownership of the tensors it
/// is given.</para>
/// </remarks>
internal static partial class OptimizerStateConverter
{
    private const string Supported = "supported: SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop, NAdam, RAdam, ASGD, Rprop";

    /// <summary>
    /// The optimizer's state as PyTorch's <c>Optimizer.state_dict()</c> lays it out. Tensors are detached CPU
    /// copies owned by the caller (<see cref="CheckpointValue.DisposeTensors"/>): the value never aliases live
    /// optimizer state, so training on after taking it does not change what gets saved.
    /// </summary>
    /// <exception cref="KilnException">The optimizer is not one of the supported types (LBFGS, or a custom one).</exception>
    public static PyDict ToStateDict(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var kind = KindOf(optimizer, "saved");
        var state = new PyDict();
        var groups = new List<object?>();
        long index = 0;
        foreach (var group in Describe(optimizer))
        {
            var packed = kind.WriteGroup(group.Group.Options);

            // torch/optim/lr_scheduler.py (and MMEngine's param schedulers) add 'initial_lr' to the group after the
            // defaults; TorchSharp always tracks it, so it is always written. PyTorch ignores it without a scheduler.
            packed["initial_lr"] = group.Group.InitialLearningRate;

            var ids = new List<object?>();
            foreach (var (param, paramState) in group.Params)
            {
                if (kind.WriteState(paramState, group.Group.Options) is { } entry)
                {
                    state[index] = entry;
                }

                ids.Add(index++);
            }

            // optimizer.py pack_group: the hyper-parameters, then 'params' last.
            packed["params"] = ids;
            groups.Add(packed);
        }

        return new PyDict { ["state"] = state, ["param_groups"] = groups };
    }

    /// <summary>
    /// Restores a PyTorch-layout optimizer state (from <see cref="ToStateDict"/> or <c>torch.save(opt.state_dict())</c>)
    /// into <paramref name="optimizer"/>, as torch/optim/optimizer.py <c>load_state_dict</c> does: every group's
    /// hyper-parameters are replaced by the saved ones, saved per-parameter tensors are copied onto each parameter's
    /// dtype and device, and parameters with no saved state start fresh. The checkpoint value is not retained.
    /// </summary>
    /// <param name="optimizer">The live optimizer, built over the same parameters in the same groups.</param>
    /// <param name="stateDict">The saved value.</param>
    /// <param name="source">What to name in errors, e.g. the checkpoint path and key.</param>
    /// <exception cref="KilnException">The optimizer type is unsupported, or the saved state does not match it
    /// (group count, parameters per group, tensor shapes, state keys of another optimizer type, missing or
    /// mistyped hyper-parameters). Everything is checked before anything changes, so the optimizer is untouched.</exception>
    public static void LoadStateDict(optim.Optimizer optimizer, PyDict stateDict, string source)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(stateDict);
        var kind = KindOf(optimizer, "loaded");
        var errors = new LoadErrors(source, optimizer.GetType().Name);
        var groups = Describe(optimizer);

        var savedState = errors.Get<PyDict>(stateDict, "state", "the optimizer state_dict");
        var savedGroups = errors.Get<List<object?>>(stateDict, "param_groups", "the optimizer state_dict");

        // optimizer.py: "loaded state dict has a different number of parameter groups".
        if (savedGroups.Count != groups.Count)
        {
            throw errors.Error($"it has {savedGroups.Count} parameter groups, the optimizer has {groups.Count}");
        }

        // Validate everything first, then apply: a failed load must not leave the optimizer half restored.
        var savedGroupsRead = new List<SavedGroup>(groups.Count);
        var idMap = new Dictionary<long, (int Group, int Position)>();
        for (var g = 0; g < groups.Count; g++)
        {
            var where = $"param_groups[{g}]";
            if (savedGroups[g] is not PyDict saved)
            {
                throw errors.Error($"{where} is a {PyTypeName(savedGroups[g])}, not a dict");
            }

            var ids = errors.Get<List<object?>>(saved, "params", where);

            // optimizer.py: "loaded state dict contains a parameter group that doesn't match the size of optimizer's group".
            if (ids.Count != groups[g].Params.Count)
            {
                throw errors.Error($"{where} has {ids.Count} parameters, the optimizer's group {g} has {groups[g].Params.Count}");
            }

            // optimizer.py maps saved ids to live parameters by zipping the groups' 'params' lists in order.
            for (var i = 0; i < ids.Count; i++)
            {
                if (ids[i] is not long id || !idMap.TryAdd(id, (g, i)))
                {
                    throw errors.Error($"{where}['params'][{i}] is {PyRepr(ids[i])}, not a distinct int parameter index");
                }
            }

            savedGroupsRead.Add(kind.ReadGroup(saved, groups[g].Group.Options, errors, where));
        }

        var plans = savedGroupsRead.Select(group => group.Apply).ToList();
        var withState = new HashSet<(int, int)>();
        foreach (var (key, value) in savedState)
        {
            if (key is not long id || !idMap.TryGetValue(id, out var slot))
            {
                throw errors.Error($"'state' has an entry for parameter {PyRepr(key)}, which no parameter group lists");
            }

            if (value is not PyDict entry)
            {
                throw errors.Error($"'state'[{id}] is a {PyTypeName(value)}, not a dict");
            }

            var (param, paramState) = groups[slot.Group].Params[slot.Position];
            plans.Add(kind.ReadState(entry, param, paramState, savedGroupsRead[slot.Group], errors, $"'state'[{id}]"));
            withState.Add(slot);
        }

        // Parameters without saved state start fresh, as they do in PyTorch after load_state_dict.
        for (var g = 0; g < groups.Count; g++)
        {
            for (var i = 0; i < groups[g].Params.Count; i++)
            {
                if (!withState.Contains((g, i)))
                {
                    var (param, paramState) = groups[g].Params[i];
                    var group = savedGroupsRead[g];
                    plans.Add(() => kind.ResetState(param, paramState, group));
                }
            }
        }

        using (no_grad())
        {
            foreach (var apply in plans)
            {
                apply();
            }
        }
    }

    /// <summary>One parameter group: TorchSharp's group object and its parameters with their live state objects.</summary>
    private sealed record GroupLayout(ParamGroup Group, IReadOnlyList<(Parameter Param, OptimizerState State)> Params);

    private static List<GroupLayout> Describe(optim.Optimizer optimizer)
    {
        // OptimizerHelper.state_dict(): Options[g] is group g's options object, State the per-parameter state
        // objects, StateIndexRef[g] the indices into State of group g's parameters, all live references.
        var helper = (OptimizerHelper)optimizer;
        var sd = helper.state_dict();
        var groups = optimizer.ParamGroups.Cast<ParamGroup>().ToList();
        if (sd.StateIndexRef.Count != groups.Count)
        {
            throw new InvalidOperationException($"TorchSharp's state_dict() lists {sd.StateIndexRef.Count} groups for {groups.Count} param groups");
        }

        var result = new List<GroupLayout>(groups.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            var parameters = groups[g].Parameters.ToList();
            var indices = sd.StateIndexRef[g];
            if (indices.Count != parameters.Count || !ReferenceEquals(groups[g].Options, sd.Options[g]))
            {
                throw new InvalidOperationException($"TorchSharp's state_dict() does not match param group {g}");
            }

            result.Add(new GroupLayout(groups[g], parameters.Select((p, i) => (p, sd.State[indices[i]])).ToList()));
        }

        return result;
    }

    /// <summary>A detached CPU copy, so the checkpoint never aliases live state (MMEngine's weights_to_cpu also detaches).</summary>
    private static Tensor Snapshot(Tensor tensor)
    {
        using var detached = tensor.detach();
        return detached.device_type == DeviceType.CPU ? detached.clone() : detached.cpu();
    }

    /// <summary>
    /// A copy of a saved tensor on the parameter's device and dtype (optimizer.py <c>_cast</c>: floating-point state
    /// follows its parameter), kept out of any dispose scope the caller has open because the optimizer owns it.
    /// </summary>
    private static Tensor Restore(Tensor saved, Parameter param)
    {
        var copy = empty_like(param, requires_grad: false);
        copy.copy_(saved);
        return copy.DetachFromDisposeScope();
    }

    private static void CheckShape(Tensor saved, Parameter param, LoadErrors errors, string where)
    {
        if (!saved.shape.SequenceEqual(param.shape))
        {
            throw errors.Error($"{where} has shape {Shape(saved)}, the parameter has shape {Shape(param)}");
        }
    }

    // PyTorch prints torch.Size([2, 3]).
    private static string Shape(Tensor t) => $"torch.Size([{string.Join(", ", t.shape)}])";
}
