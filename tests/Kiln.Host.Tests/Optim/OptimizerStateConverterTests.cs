using Kiln.Checkpoints;
using Kiln.Optim;
using Kiln.Tests.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kiln.Tests.Optim;

/// <summary>
/// CKPT-02, OPT-08: optimizer state to and from PyTorch's <c>Optimizer.state_dict()</c> layout
/// (torch/optim/optimizer.py), with exact resume.
/// </summary>
public class OptimizerStateConverterTests
{
    public static TheoryData<string, bool> Optimizers => new()
    {
        { "SGD", false },
        { "Adam", false },
        { "Adam", true },
        { "AdamW", false },
        { "AdamW", true },
        { "Adamax", false },
        { "Adagrad", false },
        { "Adadelta", false },
        { "RMSprop", false },
        { "RMSprop", true },     // momentum and centered: momentum_buffer and grad_avg are written
        { "NAdam", false },
        { "RAdam", false },
        { "ASGD", false },
        { "Rprop", false },
    };

    /// <summary>PyTorch's state keys per optimizer after a step (torch/optim/*.py, torch 2.x).</summary>
    public static TheoryData<string, bool, string> StateKeys => new()
    {
        { "Adamax", false, "step,exp_avg,exp_inf" },
        { "Adagrad", false, "step,sum" },
        { "Adadelta", false, "step,square_avg,acc_delta" },
        { "RMSprop", false, "step,square_avg" },
        { "RMSprop", true, "step,square_avg,momentum_buffer,grad_avg" },
        { "NAdam", false, "step,mu_product,exp_avg,exp_avg_sq" },
        { "RAdam", false, "step,exp_avg,exp_avg_sq" },
        { "ASGD", false, "step,eta,mu,ax" },
        { "Rprop", false, "step,prev,step_size" },
    };

    // OPT-10, CKPT-02: every optimizer's per-parameter state has PyTorch's keys, in PyTorch's order.
    [Theory]
    [MemberData(nameof(StateKeys))]
    public void ToStateDict_AfterOneStep_HasPyTorchStateKeys(string kind, bool variant, string keys)
    {
        using var scope = NewDisposeScope();
        var (model, optimizer) = Build(kind, variant, seed: 2, lr: 0.05);
        TrainStep(model, optimizer, 0);
        var sd = OptimizerStateConverter.ToStateDict(optimizer);
        var state = (PyDict)((PyDict)sd["state"]!)[0L]!;
        Assert.Equal(keys, string.Join(",", state.Keys));
        Assert.Equal(1f, ((Tensor)state["step"]!).item<float>());
        CheckpointValue.DisposeTensors(sd);
    }

    // CKPT-02, OPT-08: 3 steps, checkpoint (weights + optimizer) through a file, restore into a fresh model and
    // optimizer built with other weights and other hyper-parameters, 2 more steps on both: bitwise equal.
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void LoadStateDict_AfterSaveAndLoad_ResumesBitwiseExactly(string kind, bool amsgrad)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("iter_3.pth");
        var (model, optimizer) = Build(kind, amsgrad, seed: 7, lr: 0.05);
        for (var i = 0; i < 3; i++)
        {
            TrainStep(model, optimizer, i);
        }

        var checkpoint = new PyDict
        {
            ["state_dict"] = StateDictConverter.ToCheckpointValue(model),
            ["optimizer"] = OptimizerStateConverter.ToStateDict(optimizer),
        };
        CheckpointFile.Save(path, checkpoint);
        CheckpointValue.DisposeTensors(checkpoint["optimizer"]);

        var (resumed, resumedOptimizer) = Build(kind, amsgrad, seed: 8, lr: 0.5);
        var loaded = (PyDict)CheckpointFile.Load(path)!;
        StateDictConverter.LoadInto(resumed, (PyDict)loaded["state_dict"]!, strict: true, path);
        OptimizerStateConverter.LoadStateDict(resumedOptimizer, (PyDict)loaded["optimizer"]!, path);
        CheckpointValue.DisposeTensors(loaded);

        for (var i = 3; i < 5; i++)
        {
            TrainStep(model, optimizer, i);
            TrainStep(resumed, resumedOptimizer, i);
        }

        Assert.Equal(0.05, resumedOptimizer.ParamGroups.Single().LearningRate);
        foreach (var (name, expected) in model.named_parameters())
        {
            var actual = resumed.get_parameter(name)!;
            Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        }
    }

    // OPT-08: the group layout PyTorch writes; step is a 0-d float tensor (PyTorch >= 1.12); indices are global.
    [Fact]
    public void ToStateDict_AdamTwoGroups_HasPyTorchLayout()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var a = nn.Linear(3, 2);
        var b = nn.Linear(2, 1);
        var model = nn.Sequential(a, b);
        var optimizer = new Adam(
            [new Adam.ParamGroup(a.parameters(), lr: 0.01, amsgrad: true), new Adam.ParamGroup(b.parameters(), lr: 0.02, beta2: 0.99)],
            lr: 0.01);
        for (var i = 0; i < 3; i++)
        {
            TrainStep(model, optimizer, i, inputs: 3, outputs: 1);
        }

        var sd = OptimizerStateConverter.ToStateDict(optimizer);

        Assert.Equal(new object[] { "state", "param_groups" }, sd.Keys);
        var groups = Assert.IsType<List<object?>>(sd["param_groups"]);
        Assert.Equal(2, groups.Count);
        var first = Assert.IsType<PyDict>(groups[0]);
        Assert.Equal(new object[] { "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
            "differentiable", "fused", "initial_lr", "params" }, first.Keys);
        Assert.Equal(0.01, first["lr"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, Assert.IsType<object?[]>(first["betas"]));
        Assert.Equal(0L, first["weight_decay"]);
        Assert.Equal(true, first["amsgrad"]);
        Assert.Null(first["fused"]);
        Assert.Equal(new List<object?> { 0L, 1L }, first["params"]);
        var second = Assert.IsType<PyDict>(groups[1]);
        Assert.Equal(new object?[] { 0.9, 0.99 }, second["betas"]);
        Assert.Equal(new List<object?> { 2L, 3L }, second["params"]);

        var state = Assert.IsType<PyDict>(sd["state"]);
        Assert.Equal(new object[] { 0L, 1L, 2L, 3L }, state.Keys);
        var weight = Assert.IsType<PyDict>(state[0]);
        Assert.Equal(new object[] { "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }, weight.Keys);
        var step = Assert.IsType<Tensor>(weight["step"], exactMatch: false);
        Assert.Equal(ScalarType.Float32, step.dtype);
        Assert.Empty(step.shape);
        Assert.Equal(3f, step.item<float>());
        Assert.Equal(new long[] { 2, 3 }, ((Tensor)weight["exp_avg"]!).shape);
        Assert.False(((PyDict)state[2]!).ContainsKey("max_exp_avg_sq")); // amsgrad off in group 1
        CheckpointValue.DisposeTensors(sd);
    }

    // OPT-08: PyTorch has no state before the first step; TorchSharp's eager zeros are not written.
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ToStateDict_BeforeFirstStep_HasEmptyState(string kind, bool amsgrad)
    {
        using var scope = NewDisposeScope();
        var (_, optimizer) = Build(kind, amsgrad, seed: 1, lr: 0.1);

        var sd = OptimizerStateConverter.ToStateDict(optimizer);

        if (kind == "Adagrad")
        {
            // adagrad.py creates step 0 and sum = initial_accumulator_value in its constructor.
            var state = Assert.IsType<PyDict>(sd["state"]);
            Assert.Equal(2, state.Count);
            Assert.Equal(0f, ((Tensor)((PyDict)state[0L]!)["step"]!).item<float>());
            return;
        }

        Assert.Empty(Assert.IsType<PyDict>(sd["state"]));
        Assert.Equal(new List<object?> { 0L, 1L }, ((PyDict)((List<object?>)sd["param_groups"]!)[0]!)["params"]);
    }

    // CKPT-02: the checkpoint value is a copy; training on does not change it.
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ToStateDict_TrainingOn_DoesNotChangeTheValue(string kind, bool amsgrad)
    {
        using var scope = NewDisposeScope();
        var (model, optimizer) = Build(kind, amsgrad, seed: 3, lr: 0.1);
        TrainStep(model, optimizer, 0);
        var sd = OptimizerStateConverter.ToStateDict(optimizer);
        var before = CheckpointValue.EnumerateTensors(sd).Select(t => t.clone()).ToList();

        TrainStep(model, optimizer, 1);

        var after = CheckpointValue.EnumerateTensors(sd).ToList();
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.True(before[i].equal(after[i]).all().item<bool>());
        }
    }

    // CKPT-02, OPT-08: the optimizer part of a checkpoint written by torch 1.13 (Fixtures/make_fixtures.py:
    // SGD(lr=0.1, momentum=0.9, weight_decay=1e-4), one step with grad [1, 1] and 1).
    [Fact]
    public void LoadStateDict_Torch113GoldenSgd_RestoresHyperParametersAndMomentum()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", "mmengine_checkpoint.pth");
        var checkpoint = (PyDict)CheckpointFile.Load(path)!;
        var model = nn.Linear(2, 1);
        StateDictConverter.LoadInto(model, (PyDict)checkpoint["state_dict"]!, strict: true, path);
        var optimizer = optim.SGD(model.parameters(), learningRate: 0.5);
        var golden = (PyDict)checkpoint["optimizer"]!;

        OptimizerStateConverter.LoadStateDict(optimizer, golden, path);

        var options = (SGD.Options)((OptimizerHelper)optimizer).state_dict().Options.Single();
        Assert.Equal(0.1, options.LearningRate);
        Assert.Equal(0.9, options.momentum);
        Assert.Equal(0.0, options.dampening);
        Assert.Equal(1e-4, options.weight_decay);
        Assert.False(options.nesterov);
        var states = ((OptimizerHelper)optimizer).state_dict().State.Cast<SGD.State>().ToList();
        // momentum_buffer = grad + weight_decay * w = [1, 1] + 1e-4 * [1, -2], and 1 + 1e-4 * 0.25 for the bias.
        var weightBuffer = states[0].momentum_buffer.data<float>().ToArray();
        Assert.Equal(1.0001f, weightBuffer[0], 6);
        Assert.Equal(0.9998f, weightBuffer[1], 6);
        Assert.Equal(1.000025f, states[1].momentum_buffer.item<float>(), 6);

        // Written back, the group has exactly torch 1.13's keys (plus initial_lr, which TorchSharp always tracks).
        var written = OptimizerStateConverter.ToStateDict(optimizer);
        var goldenGroup = (PyDict)((List<object?>)golden["param_groups"]!)[0]!;
        var writtenGroup = (PyDict)((List<object?>)written["param_groups"]!)[0]!;
        Assert.Equal(goldenGroup.Keys, writtenGroup.Keys.Where(k => !Equals(k, "initial_lr")));
        foreach (var key in goldenGroup.Keys)
        {
            Assert.Equal(goldenGroup[key], writtenGroup[key]);
        }

        Assert.True(((Tensor)((PyDict)((PyDict)written["state"]!)[0]!)["momentum_buffer"]!)
            .equal((Tensor)((PyDict)((PyDict)golden["state"]!)[0]!)["momentum_buffer"]!).all().item<bool>());
        CheckpointValue.DisposeTensors(written);
        CheckpointValue.DisposeTensors(checkpoint);
    }

    // OPT-08: optimizer.py "loaded state dict has a different number of parameter groups".
    [Fact]
    public void LoadStateDict_WrongGroupCount_ThrowsNamingSourceAndCounts()
    {
        using var scope = NewDisposeScope();
        var (model, optimizer) = Build("SGD", false, seed: 1, lr: 0.1);
        TrainStep(model, optimizer, 0);
        var sd = OptimizerStateConverter.ToStateDict(optimizer);
        var a = nn.Linear(4, 3);
        var twoGroups = new SGD([new SGD.ParamGroup([a.weight!], lr: 0.1), new SGD.ParamGroup([a.bias!], lr: 0.1)], 0.1);

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(twoGroups, sd, "work/iter_3.pth"));

        Assert.Equal("cannot load optimizer state from work/iter_3.pth into SGD: it has 1 parameter groups, the optimizer has 2", error.Message);
    }

    // OPT-08: optimizer.py "loaded state dict contains a parameter group that doesn't match the size of optimizer's group".
    [Fact]
    public void LoadStateDict_WrongParamCount_Throws()
    {
        using var scope = NewDisposeScope();
        var (_, optimizer) = Build("SGD", false, seed: 1, lr: 0.1);
        var sd = OptimizerStateConverter.ToStateDict(optimizer);
        var single = optim.SGD([nn.Linear(4, 3).weight!], 0.1);

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(single, sd, "ckpt.pth"));

        Assert.Equal("cannot load optimizer state from ckpt.pth into SGD: param_groups[0] has 2 parameters, the optimizer's group 0 has 1", error.Message);
    }

    // OPT-08: a state tensor whose shape differs from its parameter's; the optimizer is left untouched.
    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam")]
    public void LoadStateDict_WrongShape_ThrowsAndChangesNothing(string kind)
    {
        using var scope = NewDisposeScope();
        var (model, optimizer) = Build(kind, false, seed: 1, lr: 0.1);
        TrainStep(model, optimizer, 0);
        var sd = OptimizerStateConverter.ToStateDict(optimizer);
        torch.manual_seed(2);
        var other = nn.Linear(4, 2);
        var target = kind == "SGD" ? (optim.Optimizer)optim.SGD(other.parameters(), 0.7, momentum: 0.9) : optim.Adam(other.parameters(), lr: 0.7);

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(target, sd, "ckpt.pth"));

        var key = kind == "SGD" ? "momentum_buffer" : "exp_avg";
        Assert.Equal($"cannot load optimizer state from ckpt.pth into {kind}: 'state'[0]['{key}'] has shape torch.Size([3, 4]), "
            + "the parameter has shape torch.Size([2, 4])", error.Message);
        Assert.Equal(0.7, target.ParamGroups.Single().LearningRate);
    }

    // OPT-08: PyTorch records the optimizer type only through the state keys; Adam state into SGD is refused.
    [Fact]
    public void LoadStateDict_AdamStateIntoSgd_ThrowsNamingBothTypes()
    {
        using var scope = NewDisposeScope();
        var (model, adam) = Build("Adam", false, seed: 1, lr: 0.1);
        TrainStep(model, adam, 0);
        var sd = OptimizerStateConverter.ToStateDict(adam);
        var (_, sgd) = Build("SGD", false, seed: 1, lr: 0.3);

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(sgd, sd, "ckpt.pth"));

        Assert.StartsWith("cannot load optimizer state from ckpt.pth into SGD: param_groups[0] has no 'momentum'", error.Message);
        Assert.Equal(0.3, sgd.ParamGroups.Single().LearningRate);

        // With the group fixed up, the per-parameter keys still give it away.
        var group = (PyDict)((List<object?>)sd["param_groups"]!)[0]!;
        group["momentum"] = 0.9;
        group["dampening"] = 0L;
        group["nesterov"] = false;
        error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(sgd, sd, "ckpt.pth"));
        Assert.Equal("cannot load optimizer state from ckpt.pth into SGD: 'state'[0] holds 'step', 'exp_avg', 'exp_avg_sq', "
            + "the state of Adam or AdamW; SGD keeps only 'momentum_buffer'", error.Message);
    }

    // OPT-08: SGD momentum state into Adam.
    [Fact]
    public void LoadStateDict_SgdStateIntoAdam_Throws()
    {
        using var scope = NewDisposeScope();
        var (model, sgd) = Build("SGD", false, seed: 1, lr: 0.1);
        TrainStep(model, sgd, 0);
        var sd = OptimizerStateConverter.ToStateDict(sgd);
        var (_, adam) = Build("Adam", false, seed: 1, lr: 0.1);

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(adam, sd, "ckpt.pth"));

        Assert.StartsWith("cannot load optimizer state from ckpt.pth into Adam: param_groups[0] has no 'betas'", error.Message);
    }

    // OPT-08
    [Fact]
    public void ToStateDict_UnsupportedOptimizer_ThrowsListingSupported()
    {
        using var scope = NewDisposeScope();
        var optimizer = optim.LBFGS(nn.Linear(2, 1).parameters());
        const string supported = "supported: SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop, NAdam, RAdam, ASGD, Rprop";

        var error = Assert.Throws<KilnException>(() => OptimizerStateConverter.ToStateDict(optimizer));
        Assert.Equal($"optimizer state of LBFGS cannot be saved yet; {supported}", error.Message);
        error = Assert.Throws<KilnException>(() => OptimizerStateConverter.LoadStateDict(optimizer, new PyDict(), "ckpt.pth"));
        Assert.Equal($"optimizer state of LBFGS cannot be loaded yet; {supported}", error.Message);
    }

    // OPT-08: parameters with no saved state start fresh, as after PyTorch's load_state_dict.
    [Fact]
    public void LoadStateDict_EmptyState_ResetsLiveState()
    {
        using var scope = NewDisposeScope();
        var (freshModel, fresh) = Build("Adam", true, seed: 1, lr: 0.1);
        var empty = OptimizerStateConverter.ToStateDict(fresh);
        var (model, adam) = Build("Adam", true, seed: 1, lr: 0.1);
        TrainStep(model, adam, 0);

        OptimizerStateConverter.LoadStateDict(adam, empty, "ckpt.pth");

        var state = ((OptimizerHelper)adam).state_dict().State.Cast<Adam.State>().First();
        Assert.Equal(0, state.step);
        Assert.Equal(0f, state.exp_avg.abs().sum().item<float>());
        Assert.NotNull(state.max_exp_avg_sq);
        Assert.Empty((PyDict)OptimizerStateConverter.ToStateDict(adam)["state"]!);
    }

    private static (nn.Module Model, optim.Optimizer Optimizer) Build(string kind, bool amsgrad, int seed, double lr)
    {
        torch.manual_seed(seed);
        var model = nn.Linear(4, 3);
        optim.Optimizer optimizer = kind switch
        {
            "SGD" => optim.SGD(model.parameters(), lr, momentum: 0.9, weight_decay: 1e-4),
            "Adam" => optim.Adam(model.parameters(), lr, weight_decay: 0.01, amsgrad: amsgrad),
            "AdamW" => optim.AdamW(model.parameters(), lr, amsgrad: amsgrad),
            "Adamax" => optim.Adamax(model.parameters(), lr, beta1: 0.8, weight_decay: 0.01),
            "Adagrad" => optim.Adagrad(model.parameters(), lr, lr_decay: 0.01, weight_decay: 0.01, initial_accumulator_value: 0.1),
            "Adadelta" => optim.Adadelta(model.parameters(), lr, rho: 0.8, weight_decay: 0.01),
            "RMSprop" => optim.RMSProp(model.parameters(), lr, alpha: 0.9, weight_decay: 0.01, momentum: amsgrad ? 0.9 : 0, centered: amsgrad),
            "NAdam" => optim.NAdam(model.parameters(), lr, weight_decay: 0.01),
            "RAdam" => optim.RAdam(model.parameters(), lr, weight_decay: 0.01),
            "ASGD" => optim.ASGD(model.parameters(), lr, lambd: 0.01, t0: 2),
            "Rprop" => optim.Rprop(model.parameters(), lr, etaminus: 0.4, etaplus: 1.3),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return (model, optimizer);
    }

    // A deterministic regression batch per step (no RNG), so two runs see the same data.
    private static void TrainStep(nn.Module model, optim.Optimizer optimizer, int step, int inputs = 4, int outputs = 3)
    {
        using var scope = NewDisposeScope();
        var x = sin(arange(8 * inputs, dtype: ScalarType.Float32).reshape(8, inputs) * (step + 1));
        var y = cos(arange(8 * outputs, dtype: ScalarType.Float32).reshape(8, outputs) * (step + 2));
        var prediction = ((nn.Module<Tensor, Tensor>)model).forward(x);
        var loss = nn.functional.mse_loss(prediction, y);
        optimizer.zero_grad();
        loss.backward();

        // Through the wrapper, which also counts Adadelta's steps as PyTorch does.
        new OptimWrapper(optimizer).Step();
    }
}
