namespace Kiln.Checkpoints;

/// <summary>
/// Saves and loads checkpoint files: PyTorch's zip format (<c>torch.save</c>/<c>torch.load</c> compatible) and
/// safetensors. Values follow the model described on <see cref="PyDict"/>.
/// </summary>
/// <remarks>
/// Saving is atomic: the file is written to a temporary file in the same folder, flushed to the disk
/// (<c>fsync</c>), then renamed over <c>path</c>. A crash or an error at any moment leaves either the previous file
/// or the new complete one, never a torn file, and no temporary file after an error. (MMEngine writes the target in
/// place, checkpoint.py <c>save_checkpoint</c>, so a crash mid-write there corrupts the checkpoint.)
/// The folder is fsynced after the rename (Linux, macOS), so the new name survives a power cut as well.
/// </remarks>
public static class CheckpointFile
{
    private static readonly byte[] ZipMagic = "PK\u0003\u0004"u8.ToArray();

    /// <summary>Saves <paramref name="checkpoint"/> atomically, as safetensors for a <c>.safetensors</c> path, else in PyTorch's format.</summary>
    public static void Save(string path, object? checkpoint) => Save(path, checkpoint, CheckpointFormat.Auto);

    /// <summary>Saves <paramref name="checkpoint"/> atomically in the given format.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="checkpoint">A value of the checkpoint model; for safetensors, a <see cref="PyDict"/> of string → tensor.</param>
    /// <param name="format">The format; <see cref="CheckpointFormat.Auto"/> chooses by extension.</param>
    /// <param name="metadata">safetensors only: the <c>__metadata__</c> strings.</param>
    /// <exception cref="KilnException">The value cannot be saved or the file cannot be written; the message names the file.</exception>
    public static void Save(string path, object? checkpoint, CheckpointFormat format, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (format == CheckpointFormat.Auto)
        {
            format = IsSafetensorsPath(full) ? CheckpointFormat.Safetensors : CheckpointFormat.PyTorch;
        }

        var folder = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                if (format == CheckpointFormat.Safetensors)
                {
                    SafetensorsFormat.Write(stream, checkpoint, metadata, full);
                }
                else
                {
                    TorchZipFormat.Write(stream, checkpoint);
                }

                // flushToDisk: fsync, so the rename below never publishes data still in the page cache.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            IO.AtomicFile.SyncDirectory(folder);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is KilnException k && k.Message.Contains(full, StringComparison.Ordinal))
            {
                throw;
            }

            throw new KilnException($"cannot save checkpoint {full}: {e.Message}", e);
        }
    }

    /// <summary>Loads a checkpoint written by Kiln, <c>torch.save</c> (PyTorch ≥ 1.6) or safetensors.</summary>
    /// <returns>The value; tensors are on the CPU and owned by the caller (<see cref="CheckpointValue.DisposeTensors(object?)"/>).
    /// A safetensors file gives a <see cref="PyOrderedDict"/> of tensors.</returns>
    /// <exception cref="KilnException">The file is missing, corrupt, or holds something Kiln does not read; the message names the file.</exception>
    public static object? Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new KilnException($"cannot load checkpoint {full}: the file does not exist");
        }

        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return DetectFormat(stream, full) == CheckpointFormat.PyTorch
                ? TorchZipFormat.Read(stream, full)
                : SafetensorsFormat.Read(stream, full).Tensors;
        }
        catch (Exception e) when (e is not KilnException)
        {
            throw new KilnException($"cannot load checkpoint {full}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks that a checkpoint is complete and readable: for a zip checkpoint every record's CRC-32 matches its
    /// header, then the whole value loads (tensors are freed again). Returns <see langword="null"/> when it is
    /// intact, else why not.
    /// </summary>
    public static string? Verify(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) return "the file does not exist";
        try
        {
            using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            {
                if (DetectFormat(stream, full) == CheckpointFormat.PyTorch)
                {
                    using var archive = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true);
                    var buffer = new byte[1 << 20];
                    foreach (var entry in archive.Entries)
                    {
                        using var data = entry.Open();
                        uint crc = 0;
                        long total = 0;
                        int read;
                        while ((read = data.Read(buffer)) > 0)
                        {
                            crc = Crc32.Append(crc, buffer.AsSpan(0, read));
                            total += read;
                        }

                        if (total != entry.Length || crc != entry.Crc32)
                            return $"record '{entry.FullName}' is damaged (CRC-32 or length does not match its header)";
                    }
                }
            }

            CheckpointValue.DisposeTensors(Load(full));
            return null;
        }
        catch (Exception e) when (e is KilnException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>Reads the <c>__metadata__</c> strings of a safetensors file (empty when it has none).</summary>
    public static IReadOnlyDictionary<string, string> LoadSafetensorsMetadata(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
            var (tensors, metadata) = SafetensorsFormat.Read(stream, full);
            CheckpointValue.DisposeTensors(tensors);
            return metadata;
        }
        catch (Exception e) when (e is not KilnException)
        {
            throw new KilnException($"cannot load checkpoint {full}: {e.Message}", e);
        }
    }

    private static CheckpointFormat DetectFormat(FileStream stream, string path)
    {
        Span<byte> head = stackalloc byte[9];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Seek(0, SeekOrigin.Begin);
        if (read >= 4 && head[..4].SequenceEqual(ZipMagic))
        {
            return CheckpointFormat.PyTorch;
        }

        // safetensors: 8-byte length then '{'.
        if (read == 9 && head[8] == (byte)'{')
        {
            return CheckpointFormat.Safetensors;
        }

        // torch.save before 1.6 (or _use_new_zipfile_serialization=False) starts with a pickled magic number.
        if (read >= 2 && head[0] == 0x80)
        {
            throw new KilnException($"cannot load checkpoint {path}: it is in PyTorch's legacy (pre-1.6) format; "
                + "re-save it in Python with torch.save(torch.load(f), f) using PyTorch 1.6 or later");
        }

        throw new KilnException($"cannot load checkpoint {path}: it is neither a PyTorch zip checkpoint nor safetensors");
    }

    private static bool IsSafetensorsPath(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temp file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
