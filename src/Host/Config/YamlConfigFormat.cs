using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kiln.Config;

/// <summary>
/// Reads and writes <c>.yaml</c>/<c>.yml</c> configs in the value model, resolving plain scalars as PyYAML's
/// <c>SafeLoader</c> (YAML 1.1) does, since MMEngine loads YAML with PyYAML.
/// </summary>
/// <remarks>
/// PyYAML quirks kept on purpose so that a config means the same in Kiln as in MMEngine: <c>yes/no/on/off</c>
/// are booleans, and a float needs a dot (<c>1e-5</c> is a string; write <c>1.0e-5</c>).
/// Tuples are written as lists (PyYAML would write a Python-specific <c>!!python/tuple</c> tag);
/// <c>!!python/tuple</c> is read back as a tuple.
/// </remarks>
internal static partial class YamlConfigFormat
{
    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    /// <summary>Reads a YAML config; with <paramref name="prov"/>, each mapping key is recorded at its line.</summary>
    /// <summary>The most items plus characters a YAML file may expand to once its aliases are copied.</summary>
    public const long MaxExpansion = 10_000_000;

    public static ConfigDict Read(string text, string? file, ProvenanceTable? prov = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw ConfigException.At(file, (int)e.Start.Line, (int)e.Start.Column, "invalid YAML: " + (e.InnerException?.Message ?? e.Message));
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this, without a position, on some malformed flow collections ("[1, 2\n").
            throw new ConfigException($"{file ?? "<string>"}: invalid YAML (check for an unclosed '[' or '{{'): {e.Message}") { FileName = file };
        }
        if (stream.Documents.Count == 0) return new ConfigDict();
        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" or "null" }) return new ConfigDict();
        if (root is not YamlMappingNode)
            throw ConfigException.At(file, (int)root.Start.Line, (int)root.Start.Column, "a YAML config must be a mapping at the top level");
        CheckExpansion((YamlMappingNode)root, file);
        return (ConfigDict)Convert(root, file, prov)!;
    }

    /// <summary>
    /// Aliases (<c>*a</c>) become copies, as MMEngine's ConfigDict conversion makes them; a file whose aliases nest in
    /// aliases (a "billion laughs" file) would expand without bound, so the expanded size is computed first, once per
    /// distinct node, and a key whose value is too big is an error at its line.
    /// </summary>
    private static void CheckExpansion(YamlMappingNode root, string? file)
    {
        var memo = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        long total = 0;
        foreach (var (k, v) in root.Children)
        {
            total += Size(k, memo) + Size(v, memo);
            if (total > MaxExpansion)
                throw ConfigException.At(file, (int)k.Start.Line, (int)k.Start.Column,
                    $"the YAML expands to more than {MaxExpansion:N0} items and characters once its aliases are copied (aliases nested in aliases?)");
        }
    }

    private static long Size(YamlNode node, Dictionary<YamlNode, long> memo)
    {
        if (memo.TryGetValue(node, out long known)) return known;
        long size = node switch
        {
            YamlScalarNode scalar => 1 + (scalar.Value?.Length ?? 0),
            YamlSequenceNode seq => seq.Children.Aggregate(1L, (sum, c) => Math.Min(sum + Size(c, memo), MaxExpansion + 1)),
            YamlMappingNode map => map.Children.Aggregate(1L, (sum, kv) => Math.Min(sum + Size(kv.Key, memo) + Size(kv.Value, memo), MaxExpansion + 1)),
            _ => 1,
        };
        memo[node] = size;
        return size;
    }

    private static object? Convert(YamlNode node, string? file, ProvenanceTable? prov)
    {
        switch (node)
        {
            case YamlMappingNode map:
            {
                var dict = new ConfigDict();
                foreach (var (k, v) in map.Children)
                {
                    var key = Convert(k, file, prov);
                    if (key is not string s)
                    {
                        // PyYAML would make a non-string key; the value model keys dicts by string.
                        s = key is null ? "None" : Python.PyOps.Str(key);
                    }
                    var value = Convert(v, file, prov);
                    dict[s] = value;
                    prov?.Set(dict, s, file, (int)k.Start.Line, value);
                }
                return dict;
            }
            case YamlSequenceNode seq:
            {
                var items = seq.Children.Select(c => Convert(c, file, prov)).ToList();
                return !seq.Tag.IsEmpty && !seq.Tag.IsNonSpecific && seq.Tag.Value == "tag:yaml.org,2002:python/tuple" ? items.ToArray() : items;
            }
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw ConfigException.At(file, (int)node.Start.Line, (int)node.Start.Column, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static object? Scalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? "";
        string tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? "" : scalar.Tag.Value;
        if (tag == "tag:yaml.org,2002:str" || (tag.Length == 0 && scalar.Style != ScalarStyle.Plain)) return value;
        if (tag == "tag:yaml.org,2002:int") return ParseInt(value);
        if (tag == "tag:yaml.org,2002:float") return ParseFloat(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON") return true;
        if (value is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF") return false;
        if (IntPattern().IsMatch(value)) return ParseInt(value);
        if (FloatPattern().IsMatch(value)) return ParseFloat(value);
        return value;
    }

    private static object ParseInt(string text)
    {
        string v = text.Replace("_", "");
        bool neg = v.StartsWith('-');
        if (v[0] is '+' or '-') v = v[1..];
        long r = v.StartsWith("0b") ? System.Convert.ToInt64(v[2..], 2)
            : v.StartsWith("0x") ? System.Convert.ToInt64(v[2..], 16)
            : v.Length > 1 && v[0] == '0' ? System.Convert.ToInt64(v, 8)
            : long.Parse(v, CultureInfo.InvariantCulture);
        return neg ? -r : r;
    }

    private static object ParseFloat(string text)
    {
        string v = text.Replace("_", "").ToLowerInvariant();
        if (v.EndsWith(".inf")) return v.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        if (v == ".nan") return double.NaN;
        return double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>PyYAML's <c>yaml.dump</c> defaults: block style, keys sorted, lists not indented under their key.</summary>
    public static string Write(ConfigDict dict)
    {
        var sb = new StringBuilder();
        WriteMapping(sb, dict, "");
        return sb.ToString();
    }

    private static void WriteMapping(StringBuilder sb, ConfigDict dict, string indent)
    {
        if (dict.Count == 0) { sb.Append(indent).Append("{}\n"); return; }
        foreach (var (k, v) in dict.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(indent).Append(ScalarText(k)).Append(':');
            WriteNested(sb, v, indent, inMapping: true);
        }
    }

    private static void WriteNested(StringBuilder sb, object? v, string indent, bool inMapping)
    {
        switch (v)
        {
            case ConfigDict { Count: > 0 } d:
                sb.Append('\n');
                WriteMapping(sb, d, indent + "  ");
                break;
            case IReadOnlyList<object?> { Count: > 0 } seq:
                sb.Append('\n');
                WriteSequence(sb, seq, inMapping ? indent : indent + "  ");
                break;
            default:
                sb.Append(' ').Append(Inline(v)).Append('\n');
                break;
        }
    }

    private static void WriteSequence(StringBuilder sb, IReadOnlyList<object?> seq, string indent)
    {
        foreach (var item in seq)
        {
            sb.Append(indent).Append('-');
            if (item is ConfigDict { Count: > 0 } d)
            {
                // The first key goes on the dash line, the rest align under it.
                var inner = new StringBuilder();
                WriteMapping(inner, d, indent + "  ");
                sb.Append(' ').Append(inner.ToString()[(indent.Length + 2)..]);
            }
            else if (item is IReadOnlyList<object?> { Count: > 0 } nested)
            {
                var inner = new StringBuilder();
                WriteSequence(inner, nested, indent + "  ");
                sb.Append(' ').Append(inner.ToString()[(indent.Length + 2)..]);
            }
            else sb.Append(' ').Append(Inline(item)).Append('\n');
        }
    }

    private static string Inline(object? v) => v switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => double.IsNaN(d) ? ".nan" : double.IsPositiveInfinity(d) ? ".inf" : double.IsNegativeInfinity(d) ? "-.inf" : FloatText(d),
        string s => ScalarText(s),
        ConfigDict => "{}",
        IReadOnlyList<object?> => "[]",
        _ => throw new ConfigException($"cannot write a value of type {v.GetType().Name} to YAML"),
    };

    /// <summary>PyYAML writes <c>1e-05</c> as <c>1.0e-05</c> so that it reads back as a float.</summary>
    private static string FloatText(double d)
    {
        string s = ConfigFormatter.FormatFloat(d);
        int e = s.IndexOf('e');
        return e >= 0 && !s[..e].Contains('.') ? s[..e] + ".0" + s[e..] : s;
    }

    /// <summary>A string plain when it would read back as the same string, single-quoted otherwise.</summary>
    private static string ScalarText(string s)
    {
        bool plainSafe = s.Length > 0
            && Scalar(new YamlScalarNode(s) { Style = ScalarStyle.Plain }) is string
            && !s.Any(c => c < ' ' || c > '~')
            && !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1])
            && "-?:,[]{}#&*!|>'\"%@`".IndexOf(s[0]) < 0
            && !s.Contains(": ") && !s.Contains(" #") && !s.EndsWith(':');
        if (plainSafe) return s;
        if (s.Any(c => c < ' ' && c != '\t'))
            return JsonConfigFormat.Write(s); // double-quoted with escapes, which YAML reads as JSON does
        return "'" + s.Replace("'", "''") + "'";
    }
}
