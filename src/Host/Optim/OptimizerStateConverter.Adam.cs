using Kiln.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

internal static partial class OptimizerStateConverter
{
    /// <summary>
    /// Adam and AdamW: torch/optim/adam.py and adamw.py keep <c>step</c>, <c>exp_avg</c>, <c>exp_avg_sq</c> and,
    /// with amsgrad, <c>max_exp_avg_sq</c>. TorchSharp's two classes have the same fields on unrelated types, so
    /// they are read and written through <see cref="AdamHyper"/> and <see cref="AdamState"/>.
    /// </summary>
    private sealed class AdamKind : Kind
    {
        public static readonly AdamKind Instance = new();

        private static readonly string[] StateKeys = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

        // A float32 step is exact up to 2^24; past that a float64 tensor keeps resume exact, and PyTorch steps
        // either (adam.py only does step_t += 1 on it).
        private const long Float32ExactSteps = 1L << 24;

        public override PyDict WriteGroup(OptimizerOptions options)
        {
            var h = AdamHyper.Of(options);

            // adam.py Adam.__init__ defaults, in order; foreach, capturable, differentiable and fused are PyTorch
            // knobs TorchSharp lacks, written as PyTorch's defaults.
            return new PyDict
            {
                ["lr"] = options.LearningRate!.Value,
                ["betas"] = new object?[] { h.Beta1, h.Beta2 },
                ["eps"] = h.Eps,
                ["weight_decay"] = IntIfZero(h.WeightDecay),
                ["amsgrad"] = h.Amsgrad,
                ["maximize"] = h.Maximize,
                ["foreach"] = null,
                ["capturable"] = false,
                ["differentiable"] = false,
                ["fused"] = null,
            };
        }

        public override PyDict? WriteState(OptimizerState state, OptimizerOptions options)
        {
            // TorchSharp allocates the moments up front with step 0; PyTorch has no state until the first step.
            var s = AdamState.Of(state);
            if (s.Step == 0)
            {
                return null;
            }

            // PyTorch >= 1.12 keeps step as a 0-d float tensor (tensor(3.)), not an int.
            var result = new PyDict
            {
                ["step"] = s.Step <= Float32ExactSteps ? tensor((float)s.Step) : tensor((double)s.Step),
                ["exp_avg"] = Snapshot(s.ExpAvg),
                ["exp_avg_sq"] = Snapshot(s.ExpAvgSq),
            };
            if (AdamHyper.Of(options).Amsgrad && s.MaxExpAvgSq is not null)
            {
                result["max_exp_avg_sq"] = Snapshot(s.MaxExpAvgSq);
            }

            return result;
        }

        public override SavedGroup ReadGroup(PyDict saved, OptimizerOptions target, LoadErrors errors, string where)
        {
            var (lr, initialLr) = ReadLearningRates(saved, errors, where);
            var betas = errors.Get<object?>(saved, "betas", where) switch
            {
                object?[] { Length: 2 } tuple => tuple,
                List<object?> { Count: 2 } list => list.ToArray(),
                var other => throw errors.Error($"{where}['betas'] is {PyRepr(other)}, not a pair of numbers"),
            };
            var hyper = new AdamHyper(
                errors.Number(betas[0], $"{where}['betas'][0]"),
                errors.Number(betas[1], $"{where}['betas'][1]"),
                errors.Number(saved, "eps", where),
                errors.Number(saved, "weight_decay", where),
                errors.Get<bool>(saved, "amsgrad", where),
                errors.Flag(saved, "maximize", where, absent: false));
            return new SavedGroup(() =>
            {
                ApplyLearningRates(target, lr, initialLr);
                hyper.ApplyTo(target);
            }, hyper.Amsgrad, target);
        }

        public override Action ReadState(PyDict saved, Parameter param, OptimizerState state, SavedGroup group, LoadErrors errors, string where)
        {
            CheckKeys(saved, StateKeys, errors, where);
            var stepValue = errors.Number(saved, "step", where);
            if (stepValue < 0 || stepValue != Math.Floor(stepValue) || stepValue > long.MaxValue)
            {
                throw errors.Error($"{where}['step'] is {PyRepr(stepValue)}, not a whole number of steps");
            }

            var expAvg = errors.Tensor(saved, "exp_avg", where);
            var expAvgSq = errors.Tensor(saved, "exp_avg_sq", where);
            CheckShape(expAvg, param, errors, $"{where}['exp_avg']");
            CheckShape(expAvgSq, param, errors, $"{where}['exp_avg_sq']");
            Tensor? max = null;
            if (saved.ContainsKey("max_exp_avg_sq"))
            {
                max = errors.Tensor(saved, "max_exp_avg_sq", where);
                CheckShape(max, param, errors, $"{where}['max_exp_avg_sq']");
            }
            else if (group.Amsgrad)
            {
                // adam.py reads state['max_exp_avg_sq'] for every stepped parameter of an amsgrad group.
                throw errors.Error($"{where} has no 'max_exp_avg_sq' but its group has amsgrad=True");
            }

            return () => AdamState.Replace(state, (long)stepValue, Restore(expAvg, param), Restore(expAvgSq, param),
                max is null ? null : Restore(max, param));
        }

        public override void ResetState(Parameter param, OptimizerState state, SavedGroup group) =>
            AdamState.Replace(state, 0, Zeros(param), Zeros(param), group.Amsgrad ? Zeros(param) : null);

        // What TorchSharp's Adam.add_param_group allocates for a new parameter.
        private static Tensor Zeros(Parameter param) => zeros_like(param, requires_grad: false).DetachFromDisposeScope();
    }

    /// <summary>The hyper-parameters Adam.Options and AdamW.Options share.</summary>
    private readonly record struct AdamHyper(double Beta1, double Beta2, double Eps, double WeightDecay, bool Amsgrad, bool Maximize)
    {
        public static AdamHyper Of(OptimizerOptions options) => options switch
        {
            Adam.Options o => new(o.beta1!.Value, o.beta2!.Value, o.eps!.Value, o.weight_decay!.Value, o.amsgrad!.Value, o.maximize!.Value),
            AdamW.Options o => new(o.beta1!.Value, o.beta2!.Value, o.eps!.Value, o.weight_decay!.Value, o.amsgrad!.Value, o.maximize!.Value),
            _ => throw new ArgumentException($"not Adam or AdamW options: {options.GetType()}", nameof(options)),
        };

        public void ApplyTo(OptimizerOptions options)
        {
            switch (options)
            {
                case Adam.Options o:
                    (o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad, o.maximize) = (Beta1, Beta2, Eps, WeightDecay, Amsgrad, Maximize);
                    break;
                case AdamW.Options o:
                    (o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad, o.maximize) = (Beta1, Beta2, Eps, WeightDecay, Amsgrad, Maximize);
                    break;
                default:
                    throw new ArgumentException($"not Adam or AdamW options: {options.GetType()}", nameof(options));
            }
        }
    }

    /// <summary>The per-parameter fields Adam.State and AdamW.State share.</summary>
    private readonly record struct AdamState(long Step, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq)
    {
        public static AdamState Of(OptimizerState state) => state switch
        {
            Adam.State s => new(s.step, s.exp_avg, s.exp_avg_sq, s.max_exp_avg_sq),
            AdamW.State s => new(s.step, s.exp_avg, s.exp_avg_sq, s.max_exp_avg_sq),
            _ => throw new ArgumentException($"not Adam or AdamW state: {state.GetType()}", nameof(state)),
        };

        /// <summary>Installs new tensors (owned by the optimizer from now on) and disposes the ones they replace.</summary>
        public static void Replace(OptimizerState state, long step, Tensor expAvg, Tensor expAvgSq, Tensor? max)
        {
            var old = Of(state);
            switch (state)
            {
                case Adam.State s:
                    (s.step, s.exp_avg, s.exp_avg_sq, s.max_exp_avg_sq) = (step, expAvg, expAvgSq, max);
                    break;
                case AdamW.State s:
                    (s.step, s.exp_avg, s.exp_avg_sq, s.max_exp_avg_sq) = (step, expAvg, expAvgSq, max);
                    break;
            }

            old.ExpAvg?.Dispose();
            old.ExpAvgSq?.Dispose();
            old.MaxExpAvgSq?.Dispose();
        }
    }
}
