using Kiln.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

internal static partial class OptimizerStateConverter
{
    /// <summary>SGD: torch/optim/sgd.py keeps one tensor per parameter, <c>momentum_buffer</c>.</summary>
    private sealed class SgdKind : Kind
    {
        public static readonly SgdKind Instance = new();

        private static readonly string[] StateKeys = ["momentum_buffer"];

        public override PyDict WriteGroup(OptimizerOptions options)
        {
            var o = (SGD.Options)options;

            // sgd.py SGD.__init__ defaults, in order; foreach and differentiable are PyTorch knobs TorchSharp lacks,
            // written as PyTorch's defaults (TorchSharp's loop is the single-tensor, non-differentiable one).
            return new PyDict
            {
                ["lr"] = o.LearningRate!.Value,
                ["momentum"] = IntIfZero(o.momentum!.Value),
                ["dampening"] = IntIfZero(o.dampening!.Value),
                ["weight_decay"] = IntIfZero(o.weight_decay!.Value),
                ["nesterov"] = o.nesterov!.Value,
                ["maximize"] = o.maximize!.Value,
                ["foreach"] = null,
                ["differentiable"] = false,
            };
        }

        public override PyDict? WriteState(OptimizerState state, OptimizerOptions options)
        {
            // PyTorch 2 stores momentum_buffer only when momentum != 0 (1.13 stored None); TorchSharp creates it on
            // the first step with momentum, so a parameter without one has no entry, as in PyTorch 2.
            var buffer = ((SGD.State)state).momentum_buffer;
            return buffer is null ? null : new PyDict { ["momentum_buffer"] = Snapshot(buffer) };
        }

        public override SavedGroup ReadGroup(PyDict saved, OptimizerOptions target, LoadErrors errors, string where)
        {
            var (lr, initialLr) = ReadLearningRates(saved, errors, where);
            var momentum = errors.Number(saved, "momentum", where);
            var dampening = errors.Number(saved, "dampening", where);
            var weightDecay = errors.Number(saved, "weight_decay", where);
            var nesterov = errors.Get<bool>(saved, "nesterov", where);
            var maximize = errors.Flag(saved, "maximize", where, absent: false);
            return new SavedGroup(() =>
            {
                var o = (SGD.Options)target;
                ApplyLearningRates(o, lr, initialLr);
                o.momentum = momentum;
                o.dampening = dampening;
                o.weight_decay = weightDecay;
                o.nesterov = nesterov;
                o.maximize = maximize;
            }, Amsgrad: false, target);
        }

        public override Action ReadState(PyDict saved, Parameter param, OptimizerState state, SavedGroup group, LoadErrors errors, string where)
        {
            CheckKeys(saved, StateKeys, errors, where);
            var st = (SGD.State)state;

            // torch 1.13 wrote 'momentum_buffer': None for momentum == 0: no buffer, as before the first step.
            if (!saved.TryGetValue("momentum_buffer", out var value) || value is null)
            {
                return () => ResetState(param, state, group);
            }

            var buffer = errors.Tensor(saved, "momentum_buffer", where);
            CheckShape(buffer, param, errors, $"{where}['momentum_buffer']");
            return () =>
            {
                var old = st.momentum_buffer;
                st.momentum_buffer = Restore(buffer, param);
                old?.Dispose();
            };
        }

        public override void ResetState(Parameter param, OptimizerState state, SavedGroup group)
        {
            var st = (SGD.State)state;
            st.momentum_buffer?.Dispose();
            st.momentum_buffer = null;
        }
    }

    /// <summary>'lr' (required) and 'initial_lr' (written by LR schedulers, so optional).</summary>
    private static (double Lr, double? InitialLr) ReadLearningRates(PyDict saved, LoadErrors errors, string where)
    {
        var lr = errors.Number(saved, "lr", where);
        double? initialLr = saved.ContainsKey("initial_lr") ? errors.Number(saved, "initial_lr", where) : null;
        return (lr, initialLr);
    }

    /// <summary>
    /// Without a saved 'initial_lr' (no scheduler had run) TorchSharp's own value, the lr the group was built
    /// with, is kept: PyTorch would have none, and schedulers built after the load set it from the group again.
    /// </summary>
    private static void ApplyLearningRates(OptimizerOptions options, double lr, double? initialLr)
    {
        options.LearningRate = lr;
        if (initialLr is { } initial)
        {
            options.InitialLearningRate = initial;
        }
    }
}
