using Kiln.Cli;

namespace Kiln.TestKit;

/// <summary>Runs the <c>kiln</c> command line in-process and captures what it prints.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static CliRun Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = KilnCli.Run(args, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
