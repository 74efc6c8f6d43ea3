using Kiln.Registry;

namespace Kiln.Benchmarks;

/// <summary>Registers the benchmark's probe hook under scope <c>bench</c>.</summary>
public sealed class BenchPlugin : IKilnPlugin
{
    public string Scope => "bench";
}
