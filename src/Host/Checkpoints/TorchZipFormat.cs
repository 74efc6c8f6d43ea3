using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>
/// PyTorch's zip checkpoint format, what <c>torch.save</c> writes since PyTorch 1.6 (torch/serialization.py,
/// <c>_save</c> and <c>_load</c>): <c>archive/data.pkl</c> (the pickled value), <c>archive/data/&lt;key&gt;</c>
/// (raw little-endian storage bytes), and small text records.
/// </summary>
internal static class TorchZipFormat
{
    /// <summary>The folder inside the zip. <c>torch.save</c> to a BytesIO (as MMEngine's save_checkpoint does) uses "archive"; readers take whatever the first record's folder is.</summary>
    private const string ArchiveName = "archive";

    public static void Write(Stream output, object? checkpoint)
    {
        // Every temporary (detached/CPU/contiguous copies) dies with this scope; the caller's tensors are untouched.
        using var scope = NewDisposeScope();
        var storages = new List<Tensor>();
        using var pickle = new MemoryStream();
        new PickleWriter(pickle, tensor =>
        {
            var contiguous = tensor.detach().cpu().contiguous();
            storages.Add(contiguous);
            return (storages.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).Write(checkpoint);

        // Record order and contents as torch 2.x writes them; torch 1.13 writes only data.pkl, data/* and version
        // and ignores the rest when reading.
        var zip = new AlignedZipWriter(output);
        var pkl = pickle.GetBuffer().AsSpan(0, (int)pickle.Length);
        zip.AddRecord($"{ArchiveName}/data.pkl", pkl);
        zip.AddRecord($"{ArchiveName}/.format_version", "1"u8);
        zip.AddRecord($"{ArchiveName}/.storage_alignment", "64"u8);
        zip.AddRecord($"{ArchiveName}/byteorder", "little"u8);
        for (var i = 0; i < storages.Count; i++)
        {
            zip.AddRecord($"{ArchiveName}/data/{i}", storages[i].bytes);
        }

        zip.AddRecord($"{ArchiveName}/version", "3\n"u8);
        zip.AddRecord($"{ArchiveName}/.data/serialization_id", Encoding.ASCII.GetBytes(SerializationId(pkl)));
        zip.Finish();
    }

    public static object? Read(Stream input, string source)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(input, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new KilnException($"cannot read checkpoint {source}: it is not a valid zip file ({e.Message})", e);
        }

        using (archive)
        {
            var first = archive.Entries.FirstOrDefault()?.FullName ?? "";
            var slash = first.IndexOf('/');
            var root = slash > 0 ? first[..slash] : "";
            var pklEntry = archive.GetEntry($"{root}/data.pkl")
                ?? throw new KilnException($"cannot read checkpoint {source}: the zip has no '{root}/data.pkl'; it is not a torch.save file");

            var byteorder = archive.GetEntry($"{root}/byteorder");
            if (byteorder is not null && ReadText(byteorder).Trim() != "little")
            {
                throw new KilnException($"cannot read checkpoint {source}: it was saved on a big-endian machine, which Kiln does not read");
            }

            using var scope = NewDisposeScope();
            var flats = new Dictionary<string, Tensor>();
            Tensor LoadStorage(StorageRef s)
            {
                if (flats.TryGetValue(s.Key, out var cached))
                {
                    return cached;
                }

                var entry = archive.GetEntry($"{root}/data/{s.Key}")
                    ?? throw new KilnException($"cannot read checkpoint {source}: the storage record 'data/{s.Key}' is missing");
                var expected = s.Numel * TorchDTypes.ElementSize(s.DType);
                if (entry.Length != expected)
                {
                    throw new KilnException($"cannot read checkpoint {source}: storage 'data/{s.Key}' has {entry.Length} bytes, expected {expected} ({s.Numel} × {s.DType})");
                }

                var flat = empty([s.Numel], s.DType);
                if (s.Numel > 0)
                {
                    using var stream = entry.Open();
                    stream.ReadExactly(flat.bytes);
                }

                flats[s.Key] = flat;
                return flat;
            }

            object? value;
            using (var pkl = pklEntry.Open())
            {
                value = new PickleReader(pkl, source, LoadStorage).Read();
            }

            // Views outlive the flat storages' handles (they keep the native storage alive); everything else
            // created here is freed with the scope.
            foreach (var tensor in CheckpointValue.EnumerateTensors(value))
            {
                tensor.MoveToOuterDisposeScope();
            }

            return value;
        }
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// 40 decimal digits, as torch 2.x's <c>.data/serialization_id</c> (there derived from a random seed and the
    /// records' CRCs); here from the pickle's hash, so the same checkpoint gives the same file.
    /// </summary>
    private static string SerializationId(ReadOnlySpan<byte> pkl)
    {
        var hash = SHA256.HashData(pkl);
        var digits = new StringBuilder(40);
        for (var i = 0; i < 40; i++)
        {
            digits.Append((char)('0' + (hash[i % hash.Length] + i / hash.Length) % 10));
        }

        return digits.ToString();
    }
}
