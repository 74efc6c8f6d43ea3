using System.Runtime.Loader;
using Kiln.Config;
using Kiln.Hosting;
using Kiln.Plugins;
using Kiln.Registry;
using Kiln.TestKit;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Kiln.Tests.Plugins;

/// <summary>
/// Loading the fixture plugins (tests/Fixtures) from the folders the build lays out under <c>fixture-plugins/</c>:
/// shared types are the host's, private dependencies are the plugin's own (DESIGN.md "Layers", STYLE.md 12).
/// </summary>
public sealed class FixturePluginTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "fixture-plugins");
    private static readonly string FixtureFolder = Path.Combine(FixtureRoot, "fixture");
    private static readonly string TwoEntriesFolder = Path.Combine(FixtureRoot, "twoentries");

    private static LoadedPlugin LoadFixture() => PluginLoader.Load(Assert.Single(PluginLoader.Discover([FixtureFolder])));

    private static ServiceProvider HostWith(params string[] roots) =>
        new ServiceCollection().AddLogging().AddKiln(o => o.PluginRoots.AddRange(roots)).BuildServiceProvider();

    // REG-12, XLIB-01: a root that is a folder of plugin folders yields each plugin's entry assembly, in name order.
    [Fact]
    public void Discover_FolderOfPluginFolders_FindsEachEntryAssembly()
    {
        var found = PluginLoader.Discover([FixtureRoot]);
        Assert.Equal(
            [
                Path.Combine(FixtureFolder, "Kiln.Fixture.Plugin.dll"), Path.Combine(FixtureRoot, "fixture-dup", "Kiln.Fixture.DupScope.dll"),
                Path.Combine(FixtureRoot, "future", "Kiln.Fixture.Future.dll"), Path.Combine(FixtureRoot, "jsonnew", "Kiln.Fixture.JsonNew.dll"),
                Path.Combine(FixtureRoot, "missingdep", "Kiln.Fixture.MissingDep.dll"), Path.Combine(FixtureRoot, "throwing", "Kiln.Fixture.Throwing.dll"),
                Path.Combine(FixtureRoot, "trainfix", "Kiln.Fixture.Train.dll"), Path.Combine(TwoEntriesFolder, "Kiln.Fixture.TwoEntries.dll"),
            ],
            found);
    }

    // XLIB-01: a plugin folder loads with its entry, scope, folder and version.
    [Fact]
    public void Load_FixtureFolder_CreatesEntryWithScope()
    {
        var plugin = LoadFixture();
        Assert.Equal("Kiln.Fixture.Plugin", plugin.Name);
        Assert.Equal("fixture", plugin.Scope);
        Assert.Equal(FixtureFolder, plugin.Directory);
        Assert.Equal("0.1.0", plugin.Version);
        Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(plugin.Assembly));
    }

    // DESIGN.md "Layers": Kiln.Abstractions and TorchSharp are the host's: the same Type objects, not copies.
    [Fact]
    public void Load_FixtureFolder_SharesAbstractionsAndTorchSharpTypes()
    {
        var plugin = LoadFixture();
        var model = plugin.Assembly.GetType("Kiln.Fixture.Plugin.JsonLayoutNet", throwOnError: true)!;
        Assert.True(typeof(IKilnPlugin).IsAssignableFrom(plugin.Entry.GetType()));
        Assert.Same(typeof(nn.Module<Tensor, Tensor>), model.BaseType);
        var references = plugin.Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("TorchSharp", references);
        Assert.Contains("Kiln.Abstractions", references);
    }

    // DESIGN.md "Layers": a plugin folder never carries TorchSharp, libtorch, SkiaSharp or Kiln.Abstractions.
    [Fact]
    public void FixtureFolder_Files_CarryNoSharedAssembliesOrNatives()
    {
        var files = Directory.GetFiles(FixtureFolder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("Newtonsoft.Json.dll", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("TorchSharp", StringComparison.Ordinal)
            || f.StartsWith("libtorch", StringComparison.Ordinal) || f.StartsWith("libLibTorchSharp", StringComparison.Ordinal)
            || f.StartsWith("Kiln.Abstractions", StringComparison.Ordinal) || f.Contains("SkiaSharp", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(FixtureFolder, "runtimes")));
    }

    // XLIB-01 (DESIGN.md): a plugin's other dependencies load in its own context from its own folder, even when the
    // host has another version of the same library (the test host carries Newtonsoft.Json 13.0.3, the plugin 13.0.1).
    [Fact]
    public void Build_FixtureModel_UsesPluginsOwnNewtonsoftJson()
    {
        using var services = HostWith(FixtureFolder);
        var builder = services.GetRequiredService<IComponentBuilder>();
        using var _ = torch.NewDisposeScope();
        var model = builder.Build(Registries.Models, new ConfigDict { ["type"] = "fixture.JsonLayoutNet" });

        var json = (System.Reflection.Assembly)model.GetType().GetProperty("JsonAssembly")!.GetValue(null)!;
        Assert.Equal(Path.Combine(FixtureFolder, "Newtonsoft.Json.dll"), json.Location);
        Assert.Same(AssemblyLoadContext.GetLoadContext(model.GetType().Assembly), AssemblyLoadContext.GetLoadContext(json));
        Assert.StartsWith("13.0.1", System.Diagnostics.FileVersionInfo.GetVersionInfo(json.Location).FileVersion);
        Assert.Equal(4, ((nn.Module)model).parameters().Count());
    }

    // XLIB-01, REG-04: the plugin's model builds in the host through AddKiln's PluginRoots and trains one step with
    // the host's TorchSharp (forward, backward, an SGD update that lowers the loss on the same batch).
    [Fact]
    public void Build_FixtureModelFromPluginRoots_TrainsOneStepInHost()
    {
        using var services = HostWith(FixtureFolder);
        var catalog = services.GetRequiredService<PluginCatalog>();
        Assert.Equal(["fixture"], catalog.Scopes);
        Assert.Contains("fixture", services.GetRequiredService<RegistryTree>().Scopes);

        using var _ = torch.NewDisposeScope();
        torch.manual_seed(0);
        var model = services.GetRequiredService<IComponentBuilder>().Build<nn.Module<Tensor, Tensor>>(Registries.Models,
            new ConfigDict { ["type"] = "JsonLayoutNet", ["layout"] = """{"in": 3, "hidden": 5, "out": 2}""", ["_scope_"] = "fixture" });
        var x = torch.randn(6, 3);
        var y = torch.randn(6, 2);
        var optimizer = torch.optim.SGD(model.parameters(), 0.1);

        var loss = nn.functional.mse_loss(model.forward(x), y);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        var after = nn.functional.mse_loss(model.forward(x), y);

        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        Assert.True(after.item<float>() < loss.item<float>());
    }

    // XLIB-01: a plugin root named on the command line (--plugins) that does not exist is an error naming it.
    [Fact]
    public void AddKiln_MissingPluginRoot_ThrowsNamingIt()
    {
        string missing = Path.Combine(FixtureRoot, "no-such-folder");
        var e = Assert.Throws<KilnException>(() => HostWith(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    // XLIB-01: the same holds when Discover is called with the roots directly.
    [Fact]
    public void Discover_MissingRoot_Throws()
    {
        var e = Assert.Throws<KilnException>(() => PluginLoader.Discover([Path.Combine(FixtureRoot, "no-such-folder")]));
        Assert.Contains("does not exist", e.Message);
    }

    // XLIB-01: a plugin assembly with two IKilnPlugin classes is refused, naming both.
    [Fact]
    public void Load_TwoEntryClasses_ThrowsNamingBoth()
    {
        var path = Assert.Single(PluginLoader.Discover([TwoEntriesFolder]));
        var e = Assert.Throws<KilnException>(() => PluginLoader.Load(path));
        Assert.Contains("exactly one class implementing IKilnPlugin", e.Message);
        Assert.Contains("Kiln.Fixture.TwoEntries.FirstEntry", e.Message);
        Assert.Contains("Kiln.Fixture.TwoEntries.SecondEntry", e.Message);
    }

    // REG-08: a second folder plugin with a taken scope is skipped naming the owner; the first keeps working.
    [Fact]
    public void AddKiln_TwoPluginsWithOneScope_SkipsSecondNamingOwner()
    {
        using var copy = new TempDir();
        foreach (var file in Directory.GetFiles(FixtureFolder))
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));

        using var services = HostWith(FixtureFolder, copy.Path);
        var catalog = services.GetRequiredService<PluginCatalog>();
        Assert.Equal(FixtureFolder, Assert.Single(catalog.Plugins).Directory);
        var skipped = Assert.Single(catalog.Skipped);
        Assert.Equal(PluginProblem.DuplicateScope, skipped.Problem);
        Assert.Contains("scope 'fixture' is already taken by plugin Kiln.Fixture.Plugin", skipped.Reason);
        Assert.Contains(copy.Path, skipped.Message);
    }
}
