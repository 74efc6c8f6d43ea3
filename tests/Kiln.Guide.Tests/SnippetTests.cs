using System.Reflection;
using System.Text.RegularExpressions;
using Kiln.TestKit;

namespace Kiln.Guide.Tests;

/// <summary>
/// Every C# block of the guide is the verbatim body of a <c>#region guide:NAME</c> in examples/Guide (marker
/// <c>&lt;!-- snippet: NAME --&gt;</c>), and every snippet runs and prints what the page's <c>&lt;!-- output: NAME --&gt;</c>
/// block shows.
/// </summary>
public sealed partial class SnippetTests
{
    private static readonly string GuideSource = Path.Combine(RepoPaths.Root, "examples", "Guide");

    /// <summary>Region name → its body, dedented, from every .cs file of examples/Guide.</summary>
    private static readonly Dictionary<string, string> Regions = ReadRegions();

    public static TheoryData<string> CsharpBlocks() => new(GuideDocs.Of("csharp").Select(b => b.ToString()));

    public static TheoryData<string> SnippetNames() => new(GuideDocs.Of("csharp")
        .Select(b => SnippetName(b)).Where(n => n is not null && Runnable.ContainsKey(n)).Distinct().Select(n => n!));

    private static readonly Dictionary<string, MethodInfo> Runnable = typeof(SnippetAttribute).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
        .Where(m => m.GetCustomAttribute<SnippetAttribute>() is not null)
        .ToDictionary(m => m.GetCustomAttribute<SnippetAttribute>()!.Name);

    private static string? SnippetName(DocBlock block) =>
        block.Marker is { } m && SnippetMarker().Match(m) is { Success: true } match ? match.Groups[1].Value : null;

    [Theory]
    [MemberData(nameof(CsharpBlocks))]
    public void CsharpBlock_IsTheVerbatimBodyOfItsRegion(string where)
    {
        var block = GuideDocs.Of("csharp").Single(b => b.ToString() == where);
        var name = SnippetName(block);
        Assert.True(name is not null, $"{where}: a csharp block needs <!-- snippet: NAME --> (or <!-- definition: NAME -->) right before it; marker was '{block.Marker}'.");
        Assert.True(Regions.TryGetValue(name!, out var body), $"{where}: no '#region guide:{name}' in examples/Guide.");
        Assert.Equal(body, block.Text);
    }

    [Fact]
    public void EveryRegion_AppearsInTheGuide()
    {
        var used = GuideDocs.Of("csharp").Select(SnippetName).ToHashSet();
        var orphans = Regions.Keys.Where(k => !used.Contains(k)).ToList();
        Assert.True(orphans.Count == 0, $"regions not shown in the guide: {string.Join(", ", orphans)}");
        Assert.True(Regions.Count >= 15, $"only {Regions.Count} regions");
    }

    [Fact]
    public void EverySnippetMethod_HasItsRegionAndEveryOutputBlockItsSnippet()
    {
        foreach (var (name, method) in Runnable)
            Assert.True(Regions.ContainsKey(name), $"{method.DeclaringType!.Name}.{method.Name} is [Snippet(\"{name}\")] but has no region guide:{name}.");
        foreach (var output in GuideDocs.Blocks.Where(b => b.Marker?.StartsWith("output:", StringComparison.Ordinal) == true))
            Assert.True(Runnable.ContainsKey(output.Marker!["output:".Length..].Trim()), $"{output}: output block of an unknown snippet '{output.Marker}'.");
    }

    [Theory]
    [MemberData(nameof(SnippetNames))]
    public void Snippet_RunsAndPrintsWhatTheGuideShows(string name)
    {
        var expected = GuideDocs.Blocks.Where(b => b.Marker == $"output: {name}").ToList();
        var printed = Run(name);
        var lines = printed.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        foreach (var block in expected)
        {
            // Each line the doc shows is printed, in the doc's order (log lines from the host may come between them).
            int at = 0;
            foreach (var line in block.Text.TrimEnd('\n').Split('\n'))
            {
                int found = lines.FindIndex(at, l => l == line);
                Assert.True(found >= 0, $"{block}: the snippet '{name}' did not print\n  {line}\nafter line {at}; it printed:\n{printed}");
                at = found + 1;
            }
        }
    }

    /// <summary>Runs snippet <paramref name="name"/> in a fresh working directory and returns what it printed.</summary>
    internal static string Run(string name)
    {
        using var dir = new GuideWorkDir();
        var previous = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        try
        {
            Runnable[name].Invoke(null, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Console.SetOut(previous);
            throw new Xunit.Sdk.XunitException($"snippet '{name}' threw {e.InnerException.GetType().Name}: {e.InnerException.Message}\nprinted:\n{writer}\n{e.InnerException.StackTrace}");
        }
        finally
        {
            Console.SetOut(previous);
        }
        return writer.ToString().Replace("\r\n", "\n");
    }

    private static Dictionary<string, string> ReadRegions()
    {
        var regions = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(GuideSource, "*.cs", SearchOption.TopDirectoryOnly))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var m = RegionStart().Match(lines[i]);
                if (!m.Success) continue;
                var body = new List<string>();
                for (i++; i < lines.Length && !lines[i].Trim().StartsWith("#endregion", StringComparison.Ordinal); i++) body.Add(lines[i]);
                int indent = body.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
                regions.Add(m.Groups[1].Value, string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim())) + "\n");
            }
        }
        return regions;
    }

    [GeneratedRegex(@"^(?:snippet|definition):\s*(\S+)$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"^\s*#region guide:(\S+)\s*$")]
    private static partial Regex RegionStart();
}
