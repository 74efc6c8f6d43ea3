using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Interop;

/// <summary>
/// Starts libtorch on a second thread while the main thread builds the host, loads the plugins and reads the config:
/// the native library load (hundreds of megabytes of shared objects) and the first convolution and backward pass
/// (oneDNN builds its kernels then) otherwise all wait until the first iteration. The warm-up draws no random
/// numbers and leaves no tensors behind; the Runner waits for it before it seeds libtorch and sets its thread counts,
/// so nothing runs concurrently with training. <c>kiln train</c>, <c>test</c> and <c>val</c> start it.
/// </summary>
internal static class LibTorchWarmup
{
    private static Task? _task;

    public static void Start() => _task ??= Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Blocks until a started warm-up has finished (returns at once if none was started).</summary>
    public static void Wait() => _task?.Wait();

    private static void Run()
    {
        try
        {
            using var scope = NewDisposeScope();
            var x = ones(2, 3, 12, 12, requires_grad: true);
            var weight = full(4, 3, 5, 5, 0.01, requires_grad: true);
            var y = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(x, weight, padding: [2, 2])), 2);
            var z = nn.functional.linear(y.flatten(1), full(10, y.shape[1] * y.shape[2] * y.shape[3], 0.01, requires_grad: true));
            nn.functional.cross_entropy(z, zeros(2, dtype: int64)).backward();
        }
        catch (Exception)
        {
            // Only an optimisation: if libtorch cannot start, the Runner's first use of it reports why.
        }
    }
}
