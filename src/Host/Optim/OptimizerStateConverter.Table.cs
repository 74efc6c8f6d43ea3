using Kiln.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Optim;

internal static partial class OptimizerStateConverter
{
    /// <summary>One group hyper-parameter: how it is written under its PyTorch key and read back.</summary>
    private sealed record Hyper(string Key, Func<OptimizerOptions, object?> Write, Func<PyDict, LoadErrors, string, Action<OptimizerOptions>> Read)
    {
        /// <summary>A float hyper-parameter; <paramref name="intZero"/> where PyTorch's signature default is the literal 0.</summary>
        public static Hyper Number<T>(string key, Func<T, double?> get, Action<T, double> set, bool intZero = false) where T : OptimizerOptions =>
            new(key, o => intZero ? IntIfZero(get((T)o)!.Value) : get((T)o)!.Value, (saved, errors, where) =>
            {
                var value = errors.Number(saved, key, where);
                return o => set((T)o, value);
            });

        public static Hyper Flag<T>(string key, Func<T, bool?> get, Action<T, bool> set) where T : OptimizerOptions =>
            new(key, o => get((T)o)!.Value, (saved, errors, where) =>
            {
                var value = errors.Flag(saved, key, where, absent: false);
                return o => set((T)o, value);
            });

        /// <summary>A tuple of two floats (<c>betas</c>, <c>etas</c>, <c>step_sizes</c>).</summary>
        public static Hyper Pair<T>(string key, Func<T, (double, double)> get, Action<T, double, double> set) where T : OptimizerOptions =>
            new(key, o => get((T)o) is var (a, b) ? new object?[] { a, b } : null, (saved, errors, where) =>
            {
                var pair = errors.Get<object?>(saved, key, where) switch
                {
                    object?[] { Length: 2 } tuple => tuple,
                    List<object?> { Count: 2 } list => list.ToArray(),
                    var other => throw errors.Error($"{where}[{PyRepr(key)}] is {PyRepr(other)}, not a pair of numbers"),
                };
                var first = errors.Number(pair[0], $"{where}[{PyRepr(key)}][0]");
                var second = errors.Number(pair[1], $"{where}[{PyRepr(key)}][1]");
                return o => set((T)o, first, second);
            });

        /// <summary>
        /// A PyTorch switch TorchSharp's implementation lacks, written as PyTorch's default. On load, a saved value
        /// other than the default is an error when <paramref name="mustMatch"/> (it changes the maths), else ignored.
        /// </summary>
        public static Hyper Fixed(string key, object? value, bool mustMatch = false) =>
            new(key, _ => value, (saved, errors, where) =>
            {
                if (mustMatch && saved.TryGetValue(key, out var v) && !Equals(v, value))
                {
                    throw errors.Error($"{where}[{PyRepr(key)}] is {PyRepr(v)}; TorchSharp's {errors.OptimizerName} implements only {PyRepr(value)}");
                }

                return _ => { };
            });
    }

    /// <summary>One per-parameter state entry (a tensor, or a float PyTorch keeps as a 0-d tensor).</summary>
    private sealed record StateField(
        string Key,
        Func<OptimizerState, Tensor?> GetTensor,
        Action<OptimizerState, Tensor?> SetTensor,
        Func<OptimizerOptions, bool> Written,
        Func<Parameter, OptimizerOptions, Tensor?> Initial,
        bool Optional = false)
    {
        public static StateField Tensor<TS>(string key, Func<TS, Tensor?> get, Action<TS, Tensor?> set, Func<Parameter, OptimizerOptions, Tensor?>? initial = null,
            Func<OptimizerOptions, bool>? written = null) where TS : OptimizerState =>
            new(key, s => get((TS)s), (s, t) => set((TS)s, t), written ?? (_ => true),
                initial ?? ((p, _) => zeros_like(p, requires_grad: false)), Optional: written is not null);
    }

    /// <summary>A float per-parameter value TorchSharp keeps as a double and PyTorch as a 0-d tensor.</summary>
    private sealed record ScalarField(string Key, Func<OptimizerState, double> Get, Action<OptimizerState, double> Set, Func<OptimizerOptions, double> Initial);

    /// <summary>
    /// The optimizers whose PyTorch state is a step count plus per-parameter tensors and floats: described as a
    /// table of hyper-parameters and state entries (torch/optim/*.py, torch 2.x).
    /// </summary>
    private sealed class TableKind(
        Hyper[] hypers,
        Func<OptimizerState, long> getStep,
        Action<OptimizerState, long> setStep,
        StateField[] tensors,
        ScalarField[]? scalars = null,
        bool stateBeforeFirstStep = false,
        Func<OptimizerState, bool>? stepped = null) : Kind
    {
        private readonly ScalarField[] _scalars = scalars ?? [];

        private string[] StateKeys => ["step", .. _scalars.Select(s => s.Key), .. tensors.Select(t => t.Key)];

        public override PyDict WriteGroup(OptimizerOptions options)
        {
            var result = new PyDict { ["lr"] = options.LearningRate!.Value };
            foreach (var hyper in hypers)
            {
                result[hyper.Key] = hyper.Write(options);
            }

            return result;
        }

        public override PyDict? WriteState(OptimizerState state, OptimizerOptions options)
        {
            var step = getStep(state);

            // PyTorch creates state on a parameter's first step (Adagrad: in its constructor).
            if (step == 0 && !stateBeforeFirstStep && !(stepped?.Invoke(state) ?? false))
            {
                return null;
            }

            var result = new PyDict { ["step"] = step <= (1L << 24) ? tensor((float)step) : tensor((double)step) };
            foreach (var scalar in _scalars)
            {
                // Float64 so a resumed run continues bit for bit (PyTorch keeps float32; it reads either).
                result[scalar.Key] = tensor(scalar.Get(state), ScalarType.Float64);
            }

            foreach (var field in tensors)
            {
                if (field.Written(options) && field.GetTensor(state) is { } t)
                {
                    result[field.Key] = Snapshot(t);
                }
            }

            return result;
        }

        public override SavedGroup ReadGroup(PyDict saved, OptimizerOptions target, LoadErrors errors, string where)
        {
            var (lr, initialLr) = ReadLearningRates(saved, errors, where);
            var applies = hypers.Select(h => h.Read(saved, errors, where)).ToList();
            return new SavedGroup(() =>
            {
                ApplyLearningRates(target, lr, initialLr);
                foreach (var apply in applies)
                {
                    apply(target);
                }
            }, Amsgrad: false, target);
        }

        public override Action ReadState(PyDict saved, Parameter param, OptimizerState state, SavedGroup group, LoadErrors errors, string where)
        {
            CheckKeys(saved, StateKeys, errors, where);
            var stepValue = errors.Number(saved, "step", where);
            if (stepValue < 0 || stepValue != Math.Floor(stepValue) || stepValue > long.MaxValue)
            {
                throw errors.Error($"{where}['step'] is {PyRepr(stepValue)}, not a whole number of steps");
            }

            var scalarValues = _scalars.Select(s => errors.Number(saved, s.Key, where)).ToList();
            var tensorValues = new List<Tensor?>();
            foreach (var field in tensors)
            {
                if (!saved.ContainsKey(field.Key))
                {
                    // Optional entries (RMSprop's momentum_buffer and grad_avg) exist only with their option on.
                    if (!field.Optional)
                    {
                        throw errors.Error($"{where} has no {PyRepr(field.Key)} (it has {string.Join(", ", saved.Keys.Select(PyRepr))})");
                    }

                    tensorValues.Add(null);
                    continue;
                }

                var value = errors.Tensor(saved, field.Key, where);
                CheckShape(value, param, errors, $"{where}[{PyRepr(field.Key)}]");
                tensorValues.Add(value);
            }

            return () =>
            {
                setStep(state, (long)stepValue);
                for (var i = 0; i < _scalars.Length; i++)
                {
                    _scalars[i].Set(state, scalarValues[i]);
                }

                for (var i = 0; i < tensors.Length; i++)
                {
                    var old = tensors[i].GetTensor(state);
                    tensors[i].SetTensor(state, tensorValues[i] is { } saved ? Restore(saved, param) : Fresh(tensors[i], param, group.Target));
                    old?.Dispose();
                }
            };
        }

        public override void ResetState(Parameter param, OptimizerState state, SavedGroup group)
        {
            var options = group.Target;
            setStep(state, 0);
            foreach (var scalar in _scalars)
            {
                scalar.Set(state, scalar.Initial(options));
            }

            foreach (var field in tensors)
            {
                var old = field.GetTensor(state);
                field.SetTensor(state, Fresh(field, param, options));
                old?.Dispose();
            }
        }

        private static Tensor? Fresh(StateField field, Parameter param, OptimizerOptions options) =>
            field.Initial(param, options)?.DetachFromDisposeScope();
    }

    // PyTorch's switches TorchSharp lacks, per optimizer, written as PyTorch's defaults.
    private static Hyper None(string key) => Hyper.Fixed(key, null);

    private static Hyper False(string key, bool mustMatch = false) => Hyper.Fixed(key, false, mustMatch);

    private static TableKind AdamaxTable() => new(
        [
            Hyper.Pair<Adamax.Options>("betas", o => (o.beta1!.Value, o.beta2!.Value), (o, a, b) => (o.beta1, o.beta2) = (a, b)),
            Hyper.Number<Adamax.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            Hyper.Number<Adamax.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            None("foreach"), False("maximize", mustMatch: true), False("differentiable"), False("capturable"),
        ],
        s => ((Adamax.State)s).step, (s, v) => ((Adamax.State)s).step = v,
        [
            StateField.Tensor<Adamax.State>("exp_avg", s => s.exp_avg, (s, t) => s.exp_avg = t!),
            StateField.Tensor<Adamax.State>("exp_inf", s => s.exp_inf, (s, t) => s.exp_inf = t!),
        ]);

    private static TableKind AdagradTable() => new(
        [
            Hyper.Number<Adagrad.Options>("lr_decay", o => o.lr_decay, (o, v) => o.lr_decay = v, intZero: true),
            Hyper.Number<Adagrad.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            Hyper.Number<Adagrad.Options>("initial_accumulator_value", o => o.initial_accumulator_value, (o, v) => o.initial_accumulator_value = v, intZero: true),
            Hyper.Number<Adagrad.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            None("foreach"), False("maximize", mustMatch: true), False("differentiable"), None("fused"),
        ],
        s => ((Adagrad.State)s).step, (s, v) => ((Adagrad.State)s).step = v,
        [
            StateField.Tensor<Adagrad.State>("sum", s => s.sum, (s, t) => s.sum = t!,
                (p, o) => full_like(p, ((Adagrad.Options)o).initial_accumulator_value!.Value, requires_grad: false)),
        ],
        stateBeforeFirstStep: true);

    private static TableKind AdadeltaTable() => new(
        [
            Hyper.Number<Adadelta.Options>("rho", o => o.rho, (o, v) => o.rho = v),
            Hyper.Number<Adadelta.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            Hyper.Number<Adadelta.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            None("foreach"), False("capturable"),
            Hyper.Flag<Adadelta.Options>("maximize", o => o.maximize, (o, v) => o.maximize = v),
            False("differentiable"),
        ],
        s => ((Adadelta.State)s).step, (s, v) => ((Adadelta.State)s).step = v,
        [
            StateField.Tensor<Adadelta.State>("square_avg", s => s.square_avg, (s, t) => s.square_avg = t!),
            StateField.Tensor<Adadelta.State>("acc_delta", s => s.acc_delta, (s, t) => s.acc_delta = t!),
        ],
        // TorchSharp's Adadelta never counts steps (OptimWrapper.Step counts them as adadelta.py does); a parameter
        // it has stepped has a non-zero running average.
        stepped: s => ((Adadelta.State)s).square_avg.count_nonzero().item<long>() > 0);

    private static TableKind RmsPropTable() => new(
        [
            Hyper.Number<RMSProp.Options>("alpha", o => o.alpha, (o, v) => o.alpha = v),
            Hyper.Number<RMSProp.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            Hyper.Number<RMSProp.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            Hyper.Number<RMSProp.Options>("momentum", o => o.momentum, (o, v) => o.momentum = v, intZero: true),
            Hyper.Flag<RMSProp.Options>("centered", o => o.centered, (o, v) => o.centered = v),
            False("capturable"), None("foreach"),
            Hyper.Flag<RMSProp.Options>("maximize", o => o.maximize, (o, v) => o.maximize = v),
            False("differentiable"),
        ],
        s => ((RMSProp.State)s).step, (s, v) => ((RMSProp.State)s).step = v,
        [
            StateField.Tensor<RMSProp.State>("square_avg", s => s.square_avg, (s, t) => s.square_avg = t!),

            // rmsprop.py creates momentum_buffer only with momentum > 0 and grad_avg only when centered.
            StateField.Tensor<RMSProp.State>("momentum_buffer", s => s.momentum_buffer, (s, t) => s.momentum_buffer = t!,
                written: o => ((RMSProp.Options)o).momentum > 0),
            StateField.Tensor<RMSProp.State>("grad_avg", s => s.grad_avg, (s, t) => s.grad_avg = t!,
                written: o => ((RMSProp.Options)o).centered == true),
        ]);

    private static TableKind NAdamTable() => new(
        [
            Hyper.Pair<NAdam.Options>("betas", o => (o.beta1!.Value, o.beta2!.Value), (o, a, b) => (o.beta1, o.beta2) = (a, b)),
            Hyper.Number<NAdam.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            Hyper.Number<NAdam.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            Hyper.Number<NAdam.Options>("momentum_decay", o => o.momentum_decay, (o, v) => o.momentum_decay = v),
            False("decoupled_weight_decay", mustMatch: true), None("foreach"), False("maximize", mustMatch: true),
            False("capturable"), False("differentiable"),
        ],
        s => ((NAdam.State)s).step, (s, v) => ((NAdam.State)s).step = v,
        [
            StateField.Tensor<NAdam.State>("exp_avg", s => s.exp_avg, (s, t) => s.exp_avg = t!),
            StateField.Tensor<NAdam.State>("exp_avg_sq", s => s.exp_avg_sq, (s, t) => s.exp_avg_sq = t!),
        ],
        [new ScalarField("mu_product", s => ((NAdam.State)s).mu_product, (s, v) => ((NAdam.State)s).mu_product = v, _ => 1.0)]);

    private static TableKind RAdamTable() => new(
        [
            Hyper.Pair<RAdam.Options>("betas", o => (o.beta1!.Value, o.beta2!.Value), (o, a, b) => (o.beta1, o.beta2) = (a, b)),
            Hyper.Number<RAdam.Options>("eps", o => o.eps, (o, v) => o.eps = v),
            Hyper.Number<RAdam.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            False("decoupled_weight_decay", mustMatch: true), None("foreach"), False("maximize", mustMatch: true),
            False("capturable"), False("differentiable"),
        ],
        s => ((RAdam.State)s).step, (s, v) => ((RAdam.State)s).step = v,
        [
            StateField.Tensor<RAdam.State>("exp_avg", s => s.exp_avg, (s, t) => s.exp_avg = t!),
            StateField.Tensor<RAdam.State>("exp_avg_sq", s => s.exp_avg_sq, (s, t) => s.exp_avg_sq = t!),
        ]);

    private static TableKind AsgdTable() => new(
        [
            Hyper.Number<ASGD.Options>("lambd", o => o.lambd, (o, v) => o.lambd = v),
            Hyper.Number<ASGD.Options>("alpha", o => o.alpha, (o, v) => o.alpha = v),
            Hyper.Number<ASGD.Options>("t0", o => o.t0, (o, v) => o.t0 = v),
            Hyper.Number<ASGD.Options>("weight_decay", o => o.weight_decay, (o, v) => o.weight_decay = v, intZero: true),
            None("foreach"),
            Hyper.Flag<ASGD.Options>("maximize", o => o.maximize, (o, v) => o.maximize = v),
            False("differentiable"), False("capturable"),
        ],
        s => ((ASGD.State)s).step, (s, v) => ((ASGD.State)s).step = v,
        [StateField.Tensor<ASGD.State>("ax", s => s.ax, (s, t) => s.ax = t!)],
        [
            new ScalarField("eta", s => ((ASGD.State)s).eta, (s, v) => ((ASGD.State)s).eta = v, o => o.LearningRate!.Value),
            new ScalarField("mu", s => ((ASGD.State)s).mu, (s, v) => ((ASGD.State)s).mu = v, _ => 1.0),
        ]);

    private static TableKind RpropTable() => new(
        [
            Hyper.Pair<Rprop.Options>("etas", o => (o.etaminus!.Value, o.etaplus!.Value), (o, a, b) => (o.etaminus, o.etaplus) = (a, b)),
            Hyper.Pair<Rprop.Options>("step_sizes", o => (o.min_step!.Value, o.max_step!.Value), (o, a, b) => (o.min_step, o.max_step) = (a, b)),
            False("capturable"), None("foreach"),
            Hyper.Flag<Rprop.Options>("maximize", o => o.maximize, (o, v) => o.maximize = v),
            False("differentiable"),
        ],
        s => ((Rprop.State)s).step, (s, v) => ((Rprop.State)s).step = v,
        [
            StateField.Tensor<Rprop.State>("prev", s => s.prev, (s, t) => s.prev = t!),
            StateField.Tensor<Rprop.State>("step_size", s => s.step_size, (s, t) => s.step_size = t!,
                (p, o) => full_like(p, o.LearningRate!.Value, requires_grad: false)),
        ]);
}
