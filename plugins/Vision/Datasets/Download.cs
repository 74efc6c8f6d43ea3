using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Kiln.Vision.Datasets;

/// <summary>
/// Dataset downloads (<c>download=True</c>): HTTP(S) with resume (an existing <c>NAME.part</c> is continued with a
/// <c>Range</c> request; a server that answers 200 instead of 206 restarts it), checksum verification (md5 or
/// sha256, hex), and an atomic finish (the verified <c>.part</c> is renamed over the target, so a target file is
/// always complete). A file already present with the right checksum is not fetched again.
/// </summary>
public static class Download
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = TimeSpan.FromMinutes(30),
    };

    /// <summary>Fetches <paramref name="url"/> to <paramref name="path"/> unless it is there with checksum <paramref name="checksum"/>.</summary>
    /// <param name="checksum">Hex md5 (32 digits) or sha256 (64 digits); null skips verification.</param>
    public static void File(string url, string path, string? checksum)
    {
        if (System.IO.File.Exists(path))
        {
            if (checksum is null || Matches(path, checksum)) return;
            throw new KilnException($"{path} exists but its checksum is not {checksum} (expected for {url}); the file is corrupt or truncated. Delete it to download it again.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string part = path + ".part";
        long have = System.IO.File.Exists(part) ? new FileInfo(part).Length : 0;
        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            HttpResponseMessage response;
            try
            {
                response = Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            }
            catch (HttpRequestException e)
            {
                throw new KilnException($"downloading {url} failed: {e.Message} (a partial file, if any, is kept as {part} and resumed next time).", e);
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
                {
                    // The part file is already complete (or longer than the file): verify it below.
                }
                else if (!response.IsSuccessStatusCode)
                    throw new KilnException($"downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
                else
                {
                    bool append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
                    using var body = response.Content.ReadAsStream();
                    using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
                    try { body.CopyTo(file); }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        throw new KilnException($"downloading {url} was interrupted: {e.Message} (the partial file {part} is resumed next time).", e);
                    }
                }
            }
        }
        if (checksum is not null && !Matches(part, checksum, out string actual))
        {
            System.IO.File.Delete(part);
            throw new KilnException($"{url}: the downloaded file's checksum is {actual}, expected {checksum}; the download is corrupt or truncated and was deleted ({part}).");
        }
        System.IO.File.Move(part, path, overwrite: true);
    }

    public static bool Matches(string path, string checksum) => Matches(path, checksum, out _);

    private static bool Matches(string path, string checksum, out string actual)
    {
        using var stream = System.IO.File.OpenRead(path);
        byte[] hash = checksum.Length switch
        {
            32 => MD5.HashData(stream),
            64 => SHA256.HashData(stream),
            _ => throw new KilnException($"checksum '{checksum}' is neither an md5 (32 hex digits) nor a sha256 (64 hex digits)."),
        };
        actual = Convert.ToHexStringLower(hash);
        return string.Equals(actual, checksum, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Extracts a <c>.tar.gz</c> into <paramref name="directory"/>.</summary>
    public static void ExtractTarGz(string archive, string directory)
    {
        try
        {
            using var file = System.IO.File.OpenRead(archive);
            using var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
            System.Formats.Tar.TarFile.ExtractToDirectory(gz, directory, overwriteFiles: true);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new KilnException($"{archive} is not a valid .tar.gz archive (corrupt or truncated): {e.Message}", e);
        }
    }
}
