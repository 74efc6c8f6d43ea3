using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Kiln.Logging;

/// <summary>
/// Writes log lines in MMEngine's <c>MMLogger</c> format (logger.py):
/// console <c>MM/dd HH:mm:ss - kiln - LEVEL - message</c>, file <c>yyyy/MM/dd HH:mm:ss - kiln - LEVEL - message</c>.
/// The logger name field is <c>kiln</c> where MMEngine writes <c>mmengine</c>; the rest of the line is MMEngine's.
/// A Runner attaches its <c>&lt;timestamp&gt;.log</c> with <see cref="AttachFile"/> for the length of the run.
/// </summary>
public sealed class MMLoggerProvider : ILoggerProvider
{
    public const string LoggerName = "kiln";

    private readonly ConcurrentDictionary<string, MMLogger> _loggers = new(StringComparer.Ordinal);
    private readonly List<StreamWriter> _files = [];
    private readonly Lock _lock = new();
    private readonly TextWriter _console;

    public MMLoggerProvider(LogLevel minimumLevel = LogLevel.Information, TextWriter? console = null)
    {
        MinimumLevel = minimumLevel;
        _console = console ?? Console.Out;
    }

    public LogLevel MinimumLevel { get; set; }

    /// <summary>Console lines below this level are dropped (files still get them): ERROR on ranks other than 0, as MMEngine.</summary>
    public LogLevel ConsoleMinimumLevel { get; set; } = LogLevel.Trace;

    /// <summary>True when console lines go to the process's stdout (not a writer a test or the CLI gave).</summary>
    internal bool WritesToStdout => ReferenceEquals(_console, Console.Out);

    /// <summary>Where console lines go instead while set: the live progress bars' console, so lines print above the bars.</summary>
    internal TextWriter? ConsoleRedirect { get; set; }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, _ => new MMLogger(this));

    /// <summary>Also writes every line to <paramref name="path"/> (appending) until the handle is disposed.</summary>
    public IDisposable AttachFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        lock (_lock) _files.Add(writer);
        return new Detach(this, writer);
    }

    internal void Write(LogLevel level, string message, Exception? exception)
    {
        var now = DateTime.Now;
        string levelName = LevelName(level);
        string text = exception is null ? message : $"{message}{Environment.NewLine}{exception}";
        lock (_lock)
        {
            if (level >= ConsoleMinimumLevel)
                (ConsoleRedirect ?? _console).WriteLine($"{now.ToString("MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} - {LoggerName} - {levelName} - {text}");
            string fileLine = $"{now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} - {LoggerName} - {levelName} - {text}";
            foreach (var file in _files) file.WriteLine(fileLine);
        }
    }

    /// <summary>Python logging's level names.</summary>
    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var file in _files) file.Dispose();
            _files.Clear();
        }
    }

    private sealed class Detach(MMLoggerProvider owner, StreamWriter writer) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock) owner._files.Remove(writer);
            writer.Dispose();
        }
    }

    private sealed class MMLogger(MMLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Write(logLevel, formatter(state, exception), exception);
        }
    }
}
