namespace Kiln.TestKit.Toy;

/// <summary>
/// Base of the Runner test classes: a temporary work directory (<see cref="Tmp"/>) and a host with the toy plugin
/// (<see cref="Toy"/>), both disposed after each test. Override <see cref="Dispose(bool)"/> to undo process-wide
/// settings a test changes, then call the base.
/// </summary>
public abstract class ToyRunnerTest : IDisposable
{
    protected TempDir Tmp { get; } = new();

    protected ToyRunner Toy { get; } = new();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        Toy.Dispose();
        Tmp.Dispose();
    }
}
