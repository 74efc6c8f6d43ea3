using Kiln.Data;

namespace Kiln.Loops;

/// <summary>
/// MMEngine's <c>BaseLoop</c>: a loop holds the runner and its dataloader. Kiln's loops derive from one of its two
/// kinds: <see cref="TrainLoop"/> (epoch- and iteration-based training, custom training loops) and
/// <see cref="ValLoop"/> (validation, <see cref="TestLoop"/>, custom evaluation loops), which the Runner drives.
/// </summary>
public abstract class BaseLoop
{
    private protected BaseLoop(Runner runner, DataLoader dataloader)
    {
        Runner = runner ?? throw new ArgumentNullException(nameof(runner));
        Dataloader = dataloader ?? throw new ArgumentNullException(nameof(dataloader));
    }

    protected Runner Runner { get; }

    public DataLoader Dataloader { get; }
}
