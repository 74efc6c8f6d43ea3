using System.Text;
using System.Text.RegularExpressions;
using Kiln.IO;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Checkpoints;

/// <summary>What <see cref="CheckpointLoader.LoadCheckpoint"/> loaded: the whole checkpoint and the key report.</summary>
/// <param name="Checkpoint">The loaded value (usually a dict with <c>meta</c> and <c>state_dict</c>); its tensors belong to the caller (<see cref="CheckpointValue.DisposeTensors(object?)"/>).</param>
/// <param name="Report">Missing, unexpected and shape-mismatched keys.</param>
public sealed record CheckpointLoadResult(object? Checkpoint, LoadStateDictResult Report);

/// <summary>
/// MMEngine's <c>mmengine.runner.checkpoint</c> functions (CKPT-01, CKPT-05): <c>load_checkpoint</c> with
/// <c>strict</c>, <c>revise_keys</c> and <c>map_location</c>, <c>_load_checkpoint</c> over storage backends (local
/// paths, <c>file://</c>, <c>http(s)://</c> downloaded once to a cache folder) and
/// <c>_load_checkpoint_with_prefix</c> for <c>Pretrained</c> initialisation with <c>prefix</c>.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>
    /// The folder http(s) checkpoints are downloaded to: <c>KILN_CACHE_DIR/checkpoints</c>, else
    /// <c>~/.cache/kiln/checkpoints</c> (as torch.hub's <c>~/.cache/torch/hub/checkpoints</c>).
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("KILN_CACHE_DIR");
            if (string.IsNullOrEmpty(root))
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kiln");
            return Path.Combine(root, "checkpoints");
        }
    }

    /// <summary>
    /// MMEngine's <c>_load_checkpoint</c>: reads a checkpoint from a local path, <c>file://</c> or <c>http(s)://</c>
    /// URL. <paramref name="mapLocation"/> (<c>'cpu'</c>, <c>'cuda'</c>, <c>'cuda:1'</c>, or null for the CPU) is
    /// where the tensors go.
    /// </summary>
    /// <exception cref="KilnException">The source cannot be read or is not a checkpoint; the message names it.</exception>
    public static object? Load(string source, string? mapLocation = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        string local = LocalPath(source, logger);
        var value = CheckpointFile.Load(local);
        return MapLocation(value, mapLocation, source);
    }

    /// <summary>
    /// MMEngine's <c>load_checkpoint(model, filename, map_location, strict, logger, revise_keys)</c>: loads
    /// <c>checkpoint['state_dict']</c> (or the checkpoint itself when it has no such key) into
    /// <paramref name="model"/>, after renaming keys with each <c>(pattern, replacement)</c> of
    /// <paramref name="reviseKeys"/> in turn (Python <c>re.sub</c> syntax: <c>\1</c> and <c>\g&lt;name&gt;</c> in the
    /// replacement; default <c>[(r'^module\.', '')]</c>). Shape-mismatched keys are skipped. With
    /// <paramref name="strict"/> any mismatch throws MMEngine's message; otherwise it is logged as a warning.
    /// </summary>
    public static CheckpointLoadResult LoadCheckpoint(nn.Module model, string source, bool strict = false,
        IReadOnlyList<(string Pattern, string Replacement)>? reviseKeys = null, string? mapLocation = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var checkpoint = Load(source, mapLocation, logger);
        try
        {
            var stateDict = StateDictOf(checkpoint, source);
            stateDict = ReviseKeys(stateDict, reviseKeys ?? [(@"^module\.", "")], source);
            var report = LoadStateDict(model, stateDict, strict, source, logger);
            return new CheckpointLoadResult(checkpoint, report);
        }
        catch
        {
            CheckpointValue.DisposeTensors(checkpoint);
            throw;
        }
    }

    /// <summary>
    /// MMEngine's <c>load_state_dict(module, state_dict, strict, logger)</c>: copies matching tensors, then reports
    /// (throws with <paramref name="strict"/>, else logs a warning) the text "The model and loaded state dict do not
    /// match exactly" with the size mismatches, unexpected and missing keys (<c>num_batches_tracked</c> left out).
    /// </summary>
    public static LoadStateDictResult LoadStateDict(nn.Module model, PyDict stateDict, bool strict = false, string? source = null, ILogger? logger = null)
    {
        var result = StateDictConverter.LoadInto(model, stateDict, strict, source ?? "the state dict");
        if (result.FormatMessage() is { } message) logger?.LogWarning("{Message}", message);
        return result;
    }

    /// <summary>
    /// MMEngine's <c>_load_checkpoint_with_prefix(prefix, filename, map_location)</c>: the entries of the
    /// checkpoint's state dict whose keys start with <paramref name="prefix"/>, with the prefix removed (a missing
    /// trailing dot is added, as MMEngine does). The caller owns (and disposes) the tensors.
    /// </summary>
    /// <exception cref="KilnException">No key starts with the prefix; the message lists a few keys that exist.</exception>
    public static PyOrderedDict LoadWithPrefix(string prefix, string source, string? mapLocation = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.EndsWith('.')) prefix += ".";
        var checkpoint = Load(source, mapLocation, logger);
        var stateDict = StateDictOf(checkpoint, source);
        var result = new PyOrderedDict();
        foreach (var (key, value) in stateDict)
        {
            if (key is string k && k.StartsWith(prefix, StringComparison.Ordinal))
                result[k[prefix.Length..]] = value;
        }

        // Free what was not selected.
        var kept = new HashSet<Tensor>(CheckpointValue.EnumerateTensors(result), ReferenceEqualityComparer.Instance);
        foreach (var t in CheckpointValue.EnumerateTensors(checkpoint).Where(t => !kept.Contains(t)).ToList()) t.Dispose();
        if (result.Count == 0)
        {
            var some = string.Join(", ", stateDict.Keys.Take(5).Select(k => $"'{k}'"));
            throw new KilnException($"{source}: no key of the state dict starts with the prefix '{prefix}' (keys include {some}).");
        }

        return result;
    }

    /// <summary>Applies MMEngine's <c>revise_keys</c>: each pattern (a regex) replaced in every key, in order; the OrderedDict's <c>_metadata</c> is kept.</summary>
    public static PyDict ReviseKeys(PyDict stateDict, IReadOnlyList<(string Pattern, string Replacement)> reviseKeys, string? source = null)
    {
        if (reviseKeys.Count == 0) return stateDict;
        var attributes = (stateDict as PyOrderedDict)?.Attributes;
        PyDict current = stateDict;
        foreach (var (pattern, replacement) in reviseKeys)
        {
            Regex regex;
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new KilnException($"revise_keys: '{pattern}' is not a valid regular expression ({e.Message}).", e);
            }

            string dotnetReplacement = PythonReplacement(replacement);
            var next = new PyOrderedDict { Attributes = attributes };
            foreach (var (key, value) in current)
            {
                object revised = key is string s ? regex.Replace(s, dotnetReplacement) : key;
                next[revised] = value;
            }

            current = next;
        }

        return current;
    }

    /// <summary>A Python <c>re.sub</c> replacement (<c>\1</c>, <c>\g&lt;name&gt;</c>, <c>\\</c>) in .NET's syntax (<c>$1</c>, <c>${name}</c>, <c>$$</c> for a literal <c>$</c>).</summary>
    internal static string PythonReplacement(string replacement)
    {
        var sb = new StringBuilder(replacement.Length);
        for (int i = 0; i < replacement.Length; i++)
        {
            char c = replacement[i];
            if (c == '$')
            {
                sb.Append("$$");
            }
            else if (c == '\\' && i + 1 < replacement.Length)
            {
                char n = replacement[i + 1];
                if (char.IsAsciiDigit(n))
                {
                    int j = i + 1;
                    while (j < replacement.Length && char.IsAsciiDigit(replacement[j]) && j - i <= 2) j++;
                    sb.Append("${").Append(replacement, i + 1, j - i - 1).Append('}');
                    i = j - 1;
                }
                else if (n == 'g' && i + 2 < replacement.Length && replacement[i + 2] == '<' && replacement.IndexOf('>', i + 3) is var end and > 0)
                {
                    sb.Append("${").Append(replacement, i + 3, end - i - 3).Append('}');
                    i = end;
                }
                else
                {
                    sb.Append(n switch { 'n' => '\n', 't' => '\t', '\\' => '\\', _ => n });
                    i++;
                }
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>The state dict of a loaded checkpoint: <c>checkpoint['state_dict']</c>, or the checkpoint itself.</summary>
    internal static PyDict StateDictOf(object? checkpoint, string source) => checkpoint switch
    {
        PyDict d when d.TryGetValue("state_dict", out var sd) => sd as PyDict
            ?? throw new KilnException($"{source}: 'state_dict' is a {sd?.GetType().Name ?? "None"}, not a dict of tensors."),
        PyDict d => d,
        _ => throw new KilnException($"{source} holds a {checkpoint?.GetType().Name ?? "None"}, not a dict; a checkpoint is a state dict or a dict with 'state_dict'."),
    };

    /// <summary>
    /// A local file for <paramref name="source"/>: the path itself, the path of a <c>file://</c> URL, or for
    /// <c>http(s)://</c> a copy downloaded once into <see cref="CacheDirectory"/> (named after the URL's last segment,
    /// as torch.hub does; written atomically, so an interrupted download is never mistaken for a cached file).
    /// </summary>
    public static string LocalPath(string source, ILogger? logger = null)
    {
        var backend = FileIO.GetBackend(source);
        if (backend is LocalBackend local) return local.ToLocalPath(source);
        if (backend is HttpBackend)
        {
            var uri = new Uri(source);
            string name = Path.GetFileName(uri.AbsolutePath);
            if (string.IsNullOrEmpty(name)) name = "checkpoint.pth";
            string cached = Path.Combine(CacheDirectory, name);
            if (File.Exists(cached)) return cached;
            logger?.LogInformation("Downloading {Url} to {Path}", source, cached);
            Directory.CreateDirectory(CacheDirectory);
            AtomicFile.Write(cached, stream => backend.CopyTo(source, stream));
            return cached;
        }

        // Other registered backends: a temporary local copy.
        string temp = Path.Combine(Path.GetTempPath(), $"kiln-{Guid.NewGuid():N}{Path.GetExtension(source)}");
        AtomicFile.Write(temp, stream => backend.CopyTo(source, stream));
        return temp;
    }

    private static object? MapLocation(object? value, string? mapLocation, string source)
    {
        if (mapLocation is null || mapLocation.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return value;
        Device device;
        try
        {
            device = torch.device(mapLocation);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new KilnException($"map_location='{mapLocation}' is not a device; use 'cpu', 'cuda' or 'cuda:N'.", e);
        }

        if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new KilnException($"cannot load {source} with map_location='{mapLocation}': CUDA is not available; use map_location='cpu'.");
        return Remap(value, device);
    }

    private static object? Remap(object? value, Device device)
    {
        switch (value)
        {
            case Tensor t:
                var moved = t.to(device);
                if (!ReferenceEquals(moved, t)) t.Dispose();
                return moved;
            case PyDict dict:
                foreach (var key in dict.Keys.ToList()) dict[key] = Remap(dict[key], device);
                return dict;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) list[i] = Remap(list[i], device);
                return list;
            case object?[] tuple:
                for (int i = 0; i < tuple.Length; i++) tuple[i] = Remap(tuple[i], device);
                return tuple;
            default:
                return value;
        }
    }
}
