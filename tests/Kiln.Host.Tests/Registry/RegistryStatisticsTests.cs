using System.Text.Json.Nodes;
using Kiln.Registry;
using Kiln.TestKit;

namespace Kiln.Tests.Registry;

/// <summary>REG-11: MMEngine's <c>traverse_registry_tree</c> and <c>count_registered_modules</c> (registry/utils.py).</summary>
public sealed class RegistryStatisticsTests
{
    private sealed class Hound;

    private sealed class Samoyed;

    private sealed class LittleHound;

    public static int Bark() => 1;

    private static RegistryTree Dogs()
    {
        var tree = new RegistryTree();
        tree.RootRegistrar().Register(Registries.Models, typeof(Samoyed));
        var hounds = tree.AddScope("hound");
        hounds.Register(Registries.Models, typeof(Hound));
        hounds.Register(Registries.Models, typeof(LittleHound));
        hounds.RegisterFunction(Registries.Models, typeof(RegistryStatisticsTests).GetMethod(nameof(Bark))!, "bark");
        tree.AddScope("empty");
        return tree;
    }

    [Fact]
    public void TraverseRegistryTree_FromAChild_ListsEveryNodeFromTheRootDepthFirst()
    {
        var tree = Dogs();
        var lines = new List<string>();
        var info = RegistryStatistics.TraverseRegistryTree(tree[Registries.Models].Children["hound"], verbose: true, lines.Add);

        Assert.Equal(3, info.Count);
        string folder = typeof(Hound).Namespace!.Replace('.', '/');
        Assert.Equal($$"""{"num_modules":1,"scope":"mmengine","{{folder}}":["Samoyed"]}""", info[0]!.ToJsonString());
        Assert.Equal($$"""{"num_modules":3,"scope":"hound","{{folder}}":["Hound","LittleHound","bark"]}""", info[1]!.ToJsonString());
        Assert.Equal("""{"num_modules":0,"scope":"empty"}""", info[2]!.ToJsonString());
        Assert.Equal(["Find 1 modules in mmengine's 'model' registry ", "Find 3 modules in hound's 'model' registry ", "Find 0 modules in empty's 'model' registry "], lines);
    }

    [Fact]
    public void CountRegisteredModules_SavePath_WritesEveryRootRegistryUnderItsRootPyName()
    {
        using var tmp = new TempDir();
        var lines = new List<string>();
        var scan = RegistryStatistics.CountRegisteredModules(Dogs(), tmp.Combine("out"), verbose: false, lines.Add);

        var registries = scan["registries"]!.AsObject();
        var names = registries.Select(kv => kv.Key).ToList();
        Assert.Equal(23, names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);   // Python's dir(root) order
        Assert.Equal(["DATASETS", "DATA_SAMPLERS", "EVALUATOR"], names.Take(3));
        Assert.Contains("VISBACKENDS", names);
        Assert.Contains("OPTIM_WRAPPER_CONSTRUCTORS", names);
        Assert.Equal(3, registries["MODELS"]!.AsArray()[1]!["num_modules"]!.GetValue<int>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", scan["scan_date"]!.GetValue<string>());

        string path = Path.Combine(tmp.Combine("out"), RegistryStatistics.FileName);
        Assert.Equal([$"Result has been saved to {path}"], lines);   // verbose=False: only the saved line
        string text = File.ReadAllText(path);
        Assert.Contains("\n  \"registries\": {\n    \"DATASETS\": [", text);   // indent=2
        Assert.Equal(scan.ToJsonString(), JsonNode.Parse(text)!.ToJsonString());
    }

    [Fact]
    public void CountRegisteredModules_Verbose_EndsWithTheSummaryLine()
    {
        var lines = new List<string>();
        var scan = RegistryStatistics.CountRegisteredModules(Dogs(), verbose: true, log: lines.Add);
        Assert.Equal(23 * 3 + 1, lines.Count);
        Assert.Equal($"Finish registry analysis, got: {scan.ToJsonString()}", lines[^1]);
    }

    [Fact]
    public void Cli_RegistryCount_PrintsTheHostsRegistriesAndSavesTheFile()
    {
        using var tmp = new TempDir();
        var run = CliRun.Invoke("registry", "count", "--save-path", tmp.Path);
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^Find \d+ modules in mmengine's 'hook' registry $", run.Output);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, RegistryStatistics.FileName)))!;
        var hooks = saved["registries"]!["HOOKS"]!.AsArray()[0]!;
        Assert.Contains("CheckpointHook", hooks["Kiln/Hooks"]!.AsArray().Select(n => n!.GetValue<string>()));
    }
}
