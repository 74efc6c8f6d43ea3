using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Kiln.Serve;
using Kiln.TestKit;

namespace Kiln.Tests.Serve;

/// <summary>
/// Issue 13, "Show it" 1: the test plays systemd. It binds a unix datagram socket, starts <c>kiln serve</c> with
/// <c>NOTIFY_SOCKET</c> and a short <c>WATCHDOG_USEC</c>, and reads READY=1, then periodic WATCHDOG=1, then, after
/// SIGTERM, STOPPING=1 and a clean exit.
/// </summary>
public sealed class SystemdNotifyTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [Fact]
    public void Serve_UnderNotifySocket_SendsReadyWatchdogAndStopping()
    {
        if (!OperatingSystem.IsLinux()) return; // systemd is Linux-only; Windows runs the service lifetime instead
        using var temp = new TempDir();
        string socketPath = temp.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        socket.ReceiveTimeout = 120_000;

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "kiln.dll"), "serve", "--jobs", temp.Combine("jobs"), "--urls", "http://127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = temp.Path,
        };
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["WATCHDOG_USEC"] = "200000";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var buffer = new byte[4096];
            string Receive()
            {
                try { return Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)); }
                catch (SocketException e) { lock (output) throw new Xunit.Sdk.XunitException($"no notification ({e.Message}); kiln serve printed:\n{output}"); }
            }

            Assert.Equal("READY=1", Receive());
            for (int i = 0; i < 3; i++) Assert.Equal("WATCHDOG=1", Receive());
            Assert.Equal(0, kill(process.Id, 15)); // SIGTERM
            string message;
            do message = Receive(); while (message == "WATCHDOG=1");
            Assert.Equal("STOPPING=1", message);
            Assert.True(process.WaitForExit(120_000), "kiln serve did not exit after SIGTERM");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    // A training loop that stopped making progress gets no ping: systemd then restarts the service.
    [Fact]
    public void Watchdog_PingsOnlyWhileTheTrainingThreadBeats()
    {
        var period = TimeSpan.FromSeconds(10);
        Assert.True(SystemdWatchdog.ShouldPing(TimeSpan.FromSeconds(1), period));
        Assert.False(SystemdWatchdog.ShouldPing(TimeSpan.FromSeconds(11), period));
        var progress = new ServeProgress();
        progress.Beat();
        Assert.True(SystemdWatchdog.ShouldPing(progress.SinceLastBeat, period));
    }
}
