using Kiln.Logging;
using Microsoft.Extensions.Logging;

namespace Kiln.TestKit.Toy;

/// <summary>
/// A plugin's own Runner (RUN-18, <c>runner_type='ToyCustomRunner'</c>): built by the host through DI, so it receives
/// services (here the logger provider) after <see cref="RunnerArgs"/>; it counts the runs it wraps.
/// </summary>
public sealed class ToyCustomRunner(RunnerArgs args, MMLoggerProvider loggers) : Runner(args)
{
    public MMLoggerProvider Loggers { get; } = loggers;

    public int TrainCalls { get; private set; }

    public override Models.BaseModel Train()
    {
        TrainCalls++;
        Logger.LogInformation("ToyCustomRunner: training");
        return base.Train();
    }
}
