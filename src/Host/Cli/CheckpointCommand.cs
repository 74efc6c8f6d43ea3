using System.Collections;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Kiln.Checkpoints;
using static TorchSharp.torch;

namespace Kiln.Cli;

/// <summary>
/// <c>kiln checkpoint inspect FILE</c> (keys, tensor dtypes and shapes, meta) and <c>kiln checkpoint convert IN
/// OUT</c> (PyTorch <c>.pth</c> ↔ <c>.safetensors</c>). Neither needs plugins or a config.
/// </summary>
internal static class CheckpointCommand
{
    public static Command Create(Option<bool> debug, TextWriter output, TextWriter error)
    {
        var command = new Command("checkpoint", "Inspect a checkpoint, or convert it between PyTorch .pth and .safetensors.");
        command.Subcommands.Add(CreateInspect(debug, output, error));
        command.Subcommands.Add(CreateConvert(debug, output, error));
        return command;
    }

    private static Command CreateInspect(Option<bool> debug, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "A .pth (torch.save zip, Kiln or MMEngine) or .safetensors file, or an http(s) URL.", HelpName = "FILE" };
        var maxItems = new Option<int>("--max-items")
        {
            Description = "Entries shown per dict or list before the rest are summarised (0: all).",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };
        var command = new Command("inspect", "Print a checkpoint's keys, every tensor's dtype and shape, and its meta (epoch, iter, seed, versions, ...).") { file };
        command.Options.Add(maxItems);
        command.SetAction(parse => Guard(parse, debug, error, () =>
        {
            string path = parse.GetValue(file)!;
            using var scope = NewDisposeScope();
            var local = CheckpointLoader.LocalPath(path);
            var value = CheckpointFile.Load(local);
            var tensors = CheckpointValue.EnumerateTensors(value).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().ToList();
            output.WriteLine($"{path}: {Describe(local)}, {tensors.Count} tensors, {tensors.Sum(t => t.numel()):N0} elements, {new FileInfo(local).Length:N0} bytes");
            var sb = new StringBuilder();
            Print(sb, value, 0, parse.GetValue(maxItems));
            output.Write(sb.ToString());
            return 0;
        }));
        return command;
    }

    private static Command CreateConvert(Option<bool> debug, TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("input") { Description = "The checkpoint to read (.pth or .safetensors).", HelpName = "IN" };
        var outputArg = new Argument<string>("output") { Description = "The file to write; its extension (.safetensors, else PyTorch's .pth format) picks the format.", HelpName = "OUT" };
        var command = new Command("convert",
            "Convert between PyTorch .pth and .safetensors. To safetensors: the 'state_dict' (or the whole file when it is a flat dict of tensors), "
            + "meta's plain values kept as metadata strings. To .pth: an OrderedDict state dict, as torch.save(model.state_dict()) writes.") { input, outputArg };
        command.SetAction(parse => Guard(parse, debug, error, () =>
        {
            string from = parse.GetValue(input)!, to = parse.GetValue(outputArg)!;
            using var scope = NewDisposeScope();
            var local = CheckpointLoader.LocalPath(from);
            var value = CheckpointFile.Load(local);
            bool toSafetensors = to.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
            if (toSafetensors)
            {
                var stateDict = CheckpointLoader.StateDictOf(value, from);
                var flat = new PyOrderedDict();
                var skipped = new List<string>();
                foreach (var (key, v) in stateDict)
                {
                    if (v is Tensor t) flat[key] = t;
                    else skipped.Add(key.ToString() ?? "");
                }
                if (flat.Count == 0) throw new KilnException($"{from} has no tensors to write as safetensors.");
                var metadata = new Dictionary<string, string> { ["format"] = "pt" };
                if (value is PyDict d && d.TryGetValue("meta", out var m) && m is PyDict meta)
                    foreach (var (k, mv) in meta)
                        if (mv is string or long or double or bool) metadata[$"meta.{k}"] = Convert.ToString(mv, CultureInfo.InvariantCulture)!;
                CheckpointFile.Save(to, flat, CheckpointFormat.Safetensors, metadata);
                output.WriteLine($"wrote {to}: {flat.Count} tensors (safetensors){(skipped.Count > 0 ? $"; skipped non-tensor entries: {string.Join(", ", skipped)}" : "")}");
            }
            else
            {
                var stateDict = CheckpointLoader.StateDictOf(value, from);
                var ordered = new PyOrderedDict();
                foreach (var (k, v) in stateDict) ordered[k] = v;
                CheckpointFile.Save(to, ordered, CheckpointFormat.PyTorch);
                output.WriteLine($"wrote {to}: {ordered.Count} entries (PyTorch zip; torch.load reads it)");
            }
            return 0;
        }));
        return command;
    }

    private static int Guard(ParseResult parse, Option<bool> debug, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (KilnException e)
        {
            error.WriteLine($"kiln: error: {e.Message}");
            if (parse.GetValue(debug)) error.WriteLine(e);
            return 1;
        }
    }

    private static string Describe(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var s = File.OpenRead(path);
        return s.Read(head) == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' ? "PyTorch zip checkpoint" : "safetensors";
    }

    /// <summary>A value as an indented tree: dicts by key, tensors as <c>float32 [2, 3]</c>, long strings by first line.</summary>
    internal static void Print(StringBuilder sb, object? value, int indent, int maxItems)
    {
        string pad = new(' ', indent * 2);
        switch (value)
        {
            case PyDict dict:
                int shown = 0;
                foreach (var (key, item) in dict)
                {
                    if (maxItems > 0 && shown++ >= maxItems)
                    {
                        sb.Append(pad).Append($"... ({dict.Count - maxItems} more)\n");
                        break;
                    }
                    sb.Append(pad).Append(KeyText(key)).Append(':');
                    if (IsContainer(item))
                    {
                        sb.Append(item switch
                        {
                            PyOrderedDict => " (OrderedDict)",
                            PyDict => "",
                            object?[] t => $" (tuple of {t.Length})",
                            IList l => $" (list of {l.Count})",
                            _ => "",
                        }).Append('\n');
                        Print(sb, item, indent + 1, maxItems);
                    }
                    else
                    {
                        sb.Append(' ').Append(Leaf(item)).Append('\n');
                    }
                }
                break;
            case IList list when value is not byte[]:
                if (list.Count > 0 && list.Cast<object?>().All(x => !IsContainer(x)) && list.Count <= 16)
                {
                    sb.Append(pad).Append('[').Append(string.Join(", ", list.Cast<object?>().Select(Leaf))).Append("]\n");
                    break;
                }
                for (int i = 0; i < list.Count; i++)
                {
                    if (maxItems > 0 && i >= maxItems)
                    {
                        sb.Append(pad).Append($"... ({list.Count - maxItems} more)\n");
                        break;
                    }
                    sb.Append(pad).Append('[').Append(i).Append("]:");
                    if (IsContainer(list[i])) { sb.Append('\n'); Print(sb, list[i], indent + 1, maxItems); }
                    else sb.Append(' ').Append(Leaf(list[i])).Append('\n');
                }
                break;
            default:
                sb.Append(pad).Append(Leaf(value)).Append('\n');
                break;
        }
    }

    private static bool IsContainer(object? v) => v is PyDict { Count: > 0 } || (v is IList { Count: > 0 } l && v is not byte[] && !(l.Count <= 16 && l.Cast<object?>().All(x => !IsContainer(x))));

    private static string KeyText(object key) => key is string s ? s : Leaf(key);

    internal static string Leaf(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        Tensor t => $"{DTypeName(t.dtype)} [{string.Join(", ", t.shape)}]",
        string s when s.Contains('\n') => $"<{s.Split('\n').Length} lines> {s.Split('\n')[0]}",
        string s when s.Length > 80 => $"'{s[..77]}...'",
        string s => $"'{s}'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => $"bytes({bytes.Length})",
        PyDict => "{}",
        object?[] tuple => $"({string.Join(", ", tuple.Select(Leaf))}{(tuple.Length == 1 ? "," : "")})",
        IList list => $"[{string.Join(", ", list.Cast<object?>().Select(Leaf))}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>PyTorch's dtype names (<c>torch.float32</c> without the prefix).</summary>
    internal static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int8 => "int8",
        ScalarType.Int16 => "int16",
        ScalarType.Int32 => "int32",
        ScalarType.Int64 => "int64",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        ScalarType.ComplexFloat32 => "complex64",
        ScalarType.ComplexFloat64 => "complex128",
        _ => t.ToString().ToLowerInvariant(),
    };
}
