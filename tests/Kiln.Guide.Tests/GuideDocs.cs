using System.Text.RegularExpressions;
using Kiln.TestKit;

namespace Kiln.Guide.Tests;

/// <summary>A fenced block of a docs/guide page and the marker comment right before it.</summary>
public sealed record DocBlock(string File, int Line, string Language, string Text, string? Marker)
{
    public override string ToString() => $"{Path.GetFileName(File)}:{Line}";
}

/// <summary>Reads the fenced blocks of docs/guide/*.md and docs/coming-from-mmengine.md with their markers.</summary>
public static partial class GuideDocs
{
    public static string GuideDir => Path.Combine(RepoPaths.Root, "docs", "guide");

    public static IEnumerable<string> Pages =>
        Directory.GetFiles(GuideDir, "*.md").Order(StringComparer.Ordinal)
            .Append(Path.Combine(RepoPaths.Root, "docs", "coming-from-mmengine.md"));

    public static IReadOnlyList<DocBlock> Blocks { get; } = Pages.SelectMany(Read).ToList();

    public static IEnumerable<DocBlock> Of(string language) => Blocks.Where(b => b.Language == language);

    private static IEnumerable<DocBlock> Read(string file)
    {
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success) continue;
            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++) body.Add(lines[i]);
            string? marker = null;
            for (int j = start - 1; j >= 0; j--)
            {
                if (lines[j].Trim().Length == 0) continue;
                var m = Marker().Match(lines[j]);
                if (m.Success) marker = m.Groups[1].Value.Trim();
                break;
            }
            yield return new DocBlock(file, start + 1, open.Groups[1].Value, string.Join("\n", body) + "\n", marker);
        }
    }

    [GeneratedRegex(@"^```(\w*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*(.*?)\s*-->\s*$")]
    private static partial Regex Marker();
}
