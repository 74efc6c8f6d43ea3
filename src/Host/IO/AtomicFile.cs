using System.Runtime.InteropServices;

namespace Kiln.IO;

/// <summary>
/// Writes a file so a crash never leaves it half-written: the bytes go to a temporary file in the same folder,
/// which is flushed to disk (fsync) and then renamed over the target; on Linux and macOS the folder is fsynced
/// after the rename too, so the new name itself survives a power cut. A failure deletes the temporary file and
/// leaves the previous file as it was. A process killed mid-write (SIGKILL) leaves the previous file and, at
/// worst, a hidden <c>.NAME.*.tmp</c> file beside it.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
        SyncDirectory(dir);
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// fsyncs a folder so a rename inside it is durable (POSIX: a rename lives in the folder's data). Best effort:
    /// on Windows (where the rename is journaled by NTFS) and where the folder cannot be opened, it does nothing.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows() || LibC.Value is not { } libc) return;
        int fd = libc.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try
        {
            _ = libc.Fsync(fd);
        }
        finally
        {
            _ = libc.Close(fd);
        }
    }

    private delegate int OpenFn([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    private delegate int FdFn(int fd);

    private sealed record LibCFunctions(OpenFn Open, FdFn Fsync, FdFn Close);

    // libc's open/fsync/close, looked up once (glibc's soname, then the platform's default C library).
    private static readonly Lazy<LibCFunctions?> LibC = new(() =>
    {
        foreach (var name in new[] { "libc.so.6", "libc", "/usr/lib/libSystem.B.dylib" })
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (NativeLibrary.TryGetExport(lib, "open", out var open) && NativeLibrary.TryGetExport(lib, "fsync", out var fsync)
                && NativeLibrary.TryGetExport(lib, "close", out var close))
                return new LibCFunctions(Marshal.GetDelegateForFunctionPointer<OpenFn>(open),
                    Marshal.GetDelegateForFunctionPointer<FdFn>(fsync), Marshal.GetDelegateForFunctionPointer<FdFn>(close));
        }
        return null;
    });
}
