using System.Collections.Concurrent;

namespace Kiln.IO;

/// <summary>
/// MMEngine's <c>BaseStorageBackend</c> (FIO-02): where bytes of a path or URL live. <see cref="FileIO.GetBackend"/>
/// picks one by the path's prefix (<c>http://</c>, <c>https://</c>, <c>file://</c>, any prefix registered with
/// <see cref="FileIO.RegisterBackend"/>), local disk otherwise.
/// </summary>
public interface IStorageBackend
{
    /// <summary>The bytes at <paramref name="path"/>.</summary>
    byte[] Get(string path);

    /// <summary>Copies the bytes at <paramref name="path"/> into <paramref name="destination"/> (streaming, for large files).</summary>
    void CopyTo(string path, Stream destination);

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/>.</summary>
    void Put(string path, ReadOnlySpan<byte> data);

    bool Exists(string path);
}

/// <summary>The local disk (MMEngine's <c>LocalBackend</c>); <c>file://</c> URLs too. Writes are atomic (<see cref="AtomicFile"/>).</summary>
public sealed class LocalBackend : IStorageBackend
{
    public static LocalBackend Instance { get; } = new();

    /// <summary>The local path of <paramref name="path"/> (a <c>file://</c> URL or a path, <c>~</c> expanded).</summary>
    public string ToLocalPath(string path)
    {
        if (path.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) return new Uri(path).LocalPath;
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        return path;
    }

    public byte[] Get(string path)
    {
        string local = ToLocalPath(path);
        if (!File.Exists(local)) throw new KilnException($"cannot read {path}: the file does not exist.");
        return File.ReadAllBytes(local);
    }

    public void CopyTo(string path, Stream destination)
    {
        string local = ToLocalPath(path);
        if (!File.Exists(local)) throw new KilnException($"cannot read {path}: the file does not exist.");
        using var source = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        source.CopyTo(destination, 1 << 20);
    }

    public void Put(string path, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        AtomicFile.Write(ToLocalPath(path), s => s.Write(copy));
    }

    public bool Exists(string path) => File.Exists(ToLocalPath(path)) || Directory.Exists(ToLocalPath(path));
}

/// <summary>http(s) URLs, read-only (MMEngine's <c>HTTPBackend</c>).</summary>
public sealed class HttpBackend : IStorageBackend
{
    private static readonly Lazy<HttpClient> Client = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });

    public static HttpBackend Instance { get; } = new();

    public byte[] Get(string path)
    {
        using var buffer = new MemoryStream();
        CopyTo(path, buffer);
        return buffer.ToArray();
    }

    public void CopyTo(string path, Stream destination)
    {
        try
        {
            using var response = Client.Value.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new KilnException($"cannot download {path}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            using var body = response.Content.ReadAsStream();
            body.CopyTo(destination, 1 << 20);
        }
        catch (HttpRequestException e)
        {
            throw new KilnException($"cannot download {path}: {e.Message}", e);
        }
        catch (TaskCanceledException e)
        {
            throw new KilnException($"cannot download {path}: timed out.", e);
        }
    }

    public void Put(string path, ReadOnlySpan<byte> data) =>
        throw new KilnException($"cannot write {path}: http(s) storage is read-only; save to a local path.");

    public bool Exists(string path)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, path);
            using var response = Client.Value.Send(request);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}

/// <summary>The prefix → backend table behind <see cref="FileIO.GetBackend"/>.</summary>
internal static class StorageBackendRegistry
{
    private static readonly ConcurrentDictionary<string, IStorageBackend> ByPrefix = new(StringComparer.OrdinalIgnoreCase)
    {
        ["http://"] = HttpBackend.Instance,
        ["https://"] = HttpBackend.Instance,
        ["file://"] = LocalBackend.Instance,
    };

    public static void Register(string prefix, IStorageBackend backend, bool force)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(backend);
        if (!force && ByPrefix.ContainsKey(prefix))
            throw new KilnException($"a storage backend for '{prefix}' is already registered; pass force: true to replace it.");
        ByPrefix[prefix] = backend;
    }

    public static IStorageBackend For(string path)
    {
        IStorageBackend? best = null;
        int bestLength = -1;
        foreach (var (prefix, backend) in ByPrefix)
        {
            if (prefix.Length > bestLength && path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                best = backend;
                bestLength = prefix.Length;
            }
        }

        if (best is not null) return best;
        int scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 1)
            throw new KilnException($"no storage backend for '{path[..(scheme + 3)]}' (in {path}); registered: {string.Join(", ", ByPrefix.Keys.Order())} and local paths. "
                + "Register one with FileIO.RegisterBackend.");
        return LocalBackend.Instance;
    }
}
