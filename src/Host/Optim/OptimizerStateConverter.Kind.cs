using Kiln.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

internal static partial class OptimizerStateConverter
{
    /// <summary>What differs between optimizer types: the group hyper-parameters and the per-parameter state.</summary>
    private abstract class Kind
    {
        /// <summary>The group's hyper-parameters with PyTorch's names, in PyTorch's order, without 'params'.</summary>
        public abstract PyDict WriteGroup(OptimizerOptions options);

        /// <summary>One parameter's state as PyTorch keeps it, or <see langword="null"/> where PyTorch has none yet.</summary>
        public abstract PyDict? WriteState(OptimizerState state, OptimizerOptions options);

        /// <summary>Checks a saved group and returns how to apply it to <paramref name="target"/>.</summary>
        public abstract SavedGroup ReadGroup(PyDict saved, OptimizerOptions target, LoadErrors errors, string where);

        /// <summary>Checks one parameter's saved state and returns how to apply it.</summary>
        public abstract Action ReadState(PyDict saved, Parameter param, OptimizerState state, SavedGroup group, LoadErrors errors, string where);

        /// <summary>Puts the state back as TorchSharp has it before the parameter's first step.</summary>
        public abstract void ResetState(Parameter param, OptimizerState state, SavedGroup group);
    }

    /// <summary>
    /// A checked saved group: the action that writes it into the live options, and what state loading needs
    /// (<paramref name="Target"/> holds the saved values once <paramref name="Apply"/> has run).
    /// </summary>
    private sealed record SavedGroup(Action Apply, bool Amsgrad, OptimizerOptions Target);

    private static readonly Kind AdamaxKind = AdamaxTable(), AdagradKind = AdagradTable(), AdadeltaKind = AdadeltaTable(),
        RmsPropKind = RmsPropTable(), NAdamKind = NAdamTable(), RAdamKind = RAdamTable(), AsgdKind = AsgdTable(), RpropKind = RpropTable();

    private static Kind KindOf(optim.Optimizer optimizer, string verb) => optimizer switch
    {
        SGD => SgdKind.Instance,
        Adam => AdamKind.Instance,
        AdamW => AdamKind.Instance,
        Adamax => AdamaxKind,
        Adagrad => AdagradKind,
        Adadelta => AdadeltaKind,
        RMSProp => RmsPropKind,
        NAdam => NAdamKind,
        RAdam => RAdamKind,
        ASGD => AsgdKind,
        Rprop => RpropKind,
        _ => throw new KilnException($"optimizer state of {optimizer.GetType().Name} cannot be {verb} yet; {Supported}"),
    };

    /// <summary>
    /// Names the saved optimizer type from a state entry's keys (the only place PyTorch records it), for the
    /// message when a checkpoint of one optimizer is loaded into another.
    /// </summary>
    private static string GuessSavedType(PyDict saved)
    {
        if (saved.ContainsKey("momentum_buffer"))
        {
            return "SGD";
        }

        if (saved.ContainsKey("exp_avg") && saved.ContainsKey("exp_avg_sq"))
        {
            return "Adam or AdamW";
        }

        if (saved.ContainsKey("square_avg"))
        {
            return "RMSprop or Adadelta";
        }

        return "an unknown optimizer";
    }

    private static void CheckKeys(PyDict saved, IReadOnlyCollection<string> allowed, LoadErrors errors, string where)
    {
        var unknown = saved.Keys.Where(k => k is not string s || !allowed.Contains(s)).ToList();
        if (unknown.Count > 0)
        {
            throw errors.Error($"{where} holds {string.Join(", ", saved.Keys.Select(PyRepr))}, the state of "
                + $"{GuessSavedType(saved)}; {errors.OptimizerName} keeps only {string.Join(", ", allowed.Select(PyRepr))}");
        }
    }
}
