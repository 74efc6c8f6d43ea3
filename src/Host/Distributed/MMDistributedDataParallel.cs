using Kiln.Models;
using Kiln.Optim;
using Kiln.Registry;
using Kiln.Structures;
using TorchSharp;
using TorchSharp.Modules;

namespace Kiln.Distributed;

/// <summary>What an <see cref="OptimWrapper"/> calls after a backward pass that completes its accumulation window.</summary>
public interface IGradientSync
{
    /// <summary>Makes the gradients of <paramref name="parameters"/> the same on every rank (their mean).</summary>
    void SyncGradients(IReadOnlyList<Parameter> parameters);
}

/// <summary>
/// MMEngine's <c>MMDistributedDataParallel</c> (model/wrappers/distributed.py over PyTorch's
/// <c>DistributedDataParallel</c>), on <see cref="Dist.Current"/> (DIST-05):
/// <list type="bullet">
/// <item>at construction, the parameters (and, with <c>broadcast_buffers</c>, the buffers) are broadcast from rank 0,
/// so every rank starts from rank 0's weights (as DDP's <c>_sync_module_states</c>);</item>
/// <item><see cref="TrainStep"/> is the module's train step (preprocess, forward in loss mode inside
/// <c>optim_context</c>, parse losses, <c>update_params</c>); with <c>broadcast_buffers</c>, rank 0's buffers are
/// broadcast before each training forward, as DDP does;</item>
/// <item>after the backward pass that completes an accumulation window, the optimizer's gradients are averaged over
/// the ranks (divided by the world size, then summed, as DDP's default <c>allreduce_hook</c>), flattened per dtype in
/// buckets of at most <c>bucket_cap_mb</c> (25 MB), last parameters first. Backward passes inside the window skip
/// the all-reduce, as MMEngine's <c>optim_context</c> does with <c>no_sync</c>;</item>
/// <item>a parameter without a gradient is an error unless <c>find_unused_parameters=True</c>, which all-reduces a
/// used-mask first: a parameter some rank used gets zeros where it was unused; one no rank used keeps no gradient.</item>
/// </list>
/// Validation and test steps are the module's (MMEngine's <c>val_step</c>/<c>test_step</c>). PyTorch overlaps the
/// all-reduce with the backward pass; here it runs after it, which gives the same gradients.
/// </summary>
[Register(Registries.ModelWrappers)]
public sealed class MMDistributedDataParallel : IModelWrapper, IGradientSync
{
    private readonly IProcessGroup _group;
    private readonly long _bucketBytes;
    private readonly Dictionary<IntPtr, string> _names;

    /// <param name="module">The model (given by the Runner).</param>
    /// <param name="broadcastBuffers">Broadcast rank 0's buffers at the start and before every training forward (PyTorch's default True; the Runner's default wrapper sets False, as MMEngine's <c>wrap_model</c>).</param>
    /// <param name="bucketCapMb">Largest all-reduce bucket, in MiB (PyTorch's <c>bucket_cap_mb</c>).</param>
    /// <param name="findUnusedParameters">Allow parameters without a gradient (PyTorch's <c>find_unused_parameters</c>).</param>
    /// <param name="detectAnomalousParams">MMEngine: log parameters that are not in the loss graph; not built, so True is an error.</param>
    public MMDistributedDataParallel(BaseModel module, bool broadcastBuffers = true, double bucketCapMb = 25, bool findUnusedParameters = false, bool detectAnomalousParams = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (bucketCapMb <= 0)
            throw new KilnException($"model_wrapper_cfg.bucket_cap_mb = {bucketCapMb} must be positive (PyTorch's default is 25).");
        if (detectAnomalousParams)
            throw new KilnException("model_wrapper_cfg.detect_anomalous_params=True is not built in Kiln (it walks the autograd graph); remove it.");
        Module = module;
        BroadcastBuffers = broadcastBuffers;
        FindUnusedParameters = findUnusedParameters;
        _bucketBytes = Math.Max(1, (long)(bucketCapMb * 1024 * 1024));
        _group = Dist.Current;
        _names = module.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var (_, parameter) in module.named_parameters()) _group.Broadcast(parameter, 0);
        if (broadcastBuffers) SyncBuffers();
    }

    public BaseModel Module { get; }

    public bool BroadcastBuffers { get; }

    public bool FindUnusedParameters { get; }

    /// <summary>Gradient all-reduces done so far (one per completed accumulation window per optimizer).</summary>
    public int SyncCount { get; private set; }

    public IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, IOptimWrapper optimWrapper)
    {
        ArgumentNullException.ThrowIfNull(optimWrapper);
        Attach(optimWrapper);
        if (BroadcastBuffers)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            SyncBuffers();
        }
        return Module.TrainStep(batch, optimWrapper);
    }

    public IReadOnlyList<DataSample> ValStep(DataBatch batch) => Module.ValStep(batch);

    public IReadOnlyList<DataSample> TestStep(DataBatch batch) => Module.TestStep(batch);

    /// <summary>Makes this wrapper the gradient synchroniser of <paramref name="optimWrapper"/> (each wrapper of an <see cref="OptimWrapperDict"/>).</summary>
    public void Attach(IOptimWrapper optimWrapper)
    {
        IEnumerable<OptimWrapper> wrappers = optimWrapper switch
        {
            OptimWrapperDict dict => dict.Values,
            OptimWrapper single => [single],
            _ => throw new KilnException($"MMDistributedDataParallel synchronises gradients through Kiln's OptimWrapper; {optimWrapper.GetType().FullName} is not one."),
        };
        foreach (var wrapper in wrappers) wrapper.GradientSync = this;
    }

    private void SyncBuffers()
    {
        foreach (var (_, buffer) in Module.named_buffers()) _group.Broadcast(buffer, 0);
    }

    public void SyncGradients(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_group.WorldSize == 1) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        if (FindUnusedParameters)
        {
            var used = torch.tensor(trainable.Select(p => p.grad is null ? 0L : 1L).ToArray());
            _group.AllReduce(used, "max");
            var anyUsed = used.data<long>().ToArray();
            for (int i = 0; i < trainable.Count; i++)
                if (anyUsed[i] != 0 && trainable[i].grad is null) trainable[i].grad = torch.zeros_like(trainable[i]).DetachFromDisposeScope();
            trainable = trainable.Where((_, i) => anyUsed[i] != 0).ToList();
        }
        else if (trainable.FirstOrDefault(p => p.grad is null) is { } missing)
        {
            throw new KilnException(
                $"parameter '{(_names.TryGetValue(missing.Handle, out var n) ? n : "?")}' got no gradient on rank {_group.Rank}, so the ranks cannot average gradients. "
                + "As PyTorch's DistributedDataParallel: make every parameter take part in the loss, or set "
                + "model_wrapper_cfg=dict(type='MMDistributedDataParallel', find_unused_parameters=True) (or find_unused_parameters=True in the config).");
        }

        // PyTorch's reducer fills buckets in reverse parameter order (the order gradients become ready), per dtype.
        foreach (var byType in trainable.AsEnumerable().Reverse().GroupBy(p => p.grad!.dtype))
        {
            var bucket = new List<Parameter>();
            long bytes = 0;
            foreach (var p in byType)
            {
                long size = p.numel() * p.grad!.ElementSize;
                if (bucket.Count > 0 && bytes + size > _bucketBytes)
                {
                    Reduce(bucket);
                    bucket.Clear();
                    bytes = 0;
                }
                bucket.Add(p);
                bytes += size;
            }
            if (bucket.Count > 0) Reduce(bucket);
        }
        SyncCount++;
    }

    /// <summary>One bucket: flatten, divide by the world size, all-reduce (sum), copy back.</summary>
    private void Reduce(List<Parameter> bucket)
    {
        var flat = torch.cat(bucket.Select(p => p.grad!.reshape(-1)).ToArray());
        flat.div_(_group.WorldSize);
        _group.AllReduce(flat, "sum");
        long offset = 0;
        foreach (var p in bucket)
        {
            long n = p.numel();
            p.grad!.copy_(flat.narrow(0, offset, n).view_as(p.grad!));
            offset += n;
        }
    }
}
