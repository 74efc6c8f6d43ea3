using Microsoft.Extensions.DependencyInjection;
using Kiln.Hosting;
using Microsoft.Extensions.Logging;
using Kiln.Registry;

namespace Kiln.Tests.Registry;

/// <summary>
/// The default scope (REG-10, REG-13; MMEngine's test_default_scope.py and test_switch_scope_and_registry): none by
/// default, switched for a block and restored after it, nested switches unwinding in order.
/// </summary>
public sealed class DefaultScopeTests
{
    // REG-13 (MMEngine test_get_current_instance: None before any instance exists).
    [Fact]
    public void Name_NothingSet_IsNull()
    {
        Assert.Null(DefaultScope.Name);
    }

    // REG-10 (MMEngine test_switch_scope_and_registry): nested switches restore the outer scope in turn.
    [Fact]
    public void Overwrite_Nested_RestoresEachOuterScope()
    {
        using (DefaultScope.Overwrite("chihuahua"))
        {
            Assert.Equal("chihuahua", DefaultScope.Name);
            using (DefaultScope.Overwrite("samoyed"))
            {
                Assert.Equal("samoyed", DefaultScope.Name);
                using (DefaultScope.Overwrite("hound")) Assert.Equal("hound", DefaultScope.Name);
                Assert.Equal("samoyed", DefaultScope.Name);
            }
            Assert.Equal("chihuahua", DefaultScope.Name);
            using (DefaultScope.Overwrite(null)) Assert.Equal("chihuahua", DefaultScope.Name);
        }
        Assert.Null(DefaultScope.Name);
    }

    // REG-10: the scope flows into work started inside the block (a build on another task sees it), and a switch
    // made on that task does not leak back.
    [Fact]
    public async Task Overwrite_FlowsIntoTasks_WithoutLeakingBack()
    {
        using (DefaultScope.Overwrite("vision"))
        {
            string? seen = await Task.Run(() => DefaultScope.Name);
            Assert.Equal("vision", seen);
            await Task.Run(() => { _ = DefaultScope.Overwrite("gan"); });
            Assert.Equal("vision", DefaultScope.Name);
        }
    }
}

/// <summary>REG-14 (AE-REG-08): MMEngine's DEBUG log lines for each registry build.</summary>
public sealed class RegistryDebugLogTests
{
    private sealed class Capture : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Debug) Lines.Add(formatter(state, exception));
        }
        public void Dispose() { }
    }

    // AE-REG-08: "Get class `LoggerHook` from "hook" registry in "mmengine"", then where its implementation lives.
    [Fact]
    public void Build_HostHook_LogsMMEngineDebugLines()
    {
        var capture = new Capture();
        using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddLogging(b => b.AddProvider(capture).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug))
            .AddKiln(o => o.LoadPluginFolders = false)
            .BuildServiceProvider();
        var builder = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IComponentBuilder>(services);
        builder.Build(Registries.Hooks, new Kiln.Config.ConfigDict { ["type"] = "LoggerHook" });

        Assert.Equal(
            ["Get class `LoggerHook` from \"hook\" registry in \"mmengine\"",
             "An `LoggerHook` instance is built from registry, its implementation can be found in Kiln.Hooks"],
            capture.Lines);
    }
}
