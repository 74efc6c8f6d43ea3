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
/// Issue 4, "Show it" 1 and 4 (XLIB-01, REG-08, REG-12): the fixture plugins under <c>fixture-plugins/</c>, one per
/// documented outcome. Metadata is read without running plugin code; each bad plugin is skipped with its reason (or
/// stops the host under <c>--strict-plugins</c>) and the good ones keep working, each with its own private library.
/// </summary>
public sealed class PluginFailureTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "fixture-plugins");

    private static string Folder(string name) => Path.Combine(FixtureRoot, name);

    private static string EntryOf(string name) => Assert.Single(PluginLoader.Discover([Folder(name)]));

    private static ServiceProvider HostWith(bool strict, params string[] roots) =>
        new ServiceCollection().AddLogging().AddKiln(o =>
        {
            o.PluginRoots.AddRange(roots);
            o.StrictPlugins = strict;
        }).BuildServiceProvider();

    private static bool IsLoaded(string assemblyName) =>
        AssemblyLoadContext.All.SelectMany(c => c.Assemblies).Any(a => a.GetName().Name == assemblyName);

    // XLIB-01: name, scope, version and API version come from the assembly's metadata.
    [Theory]
    [InlineData("fixture", "Kiln.Fixture.Plugin", "fixture", "0.1.0", "1.0")]
    [InlineData("jsonnew", "Kiln.Fixture.JsonNew", "jsonnew", "0.2.0", "1.0")]
    [InlineData("future", "Kiln.Fixture.Future", "future", "0.1.0", "1.1")]
    public void Read_FixtureAssembly_GivesNameScopeVersionAndApi(string folder, string name, string scope, string version, string api)
    {
        var metadata = PluginMetadata.Read(EntryOf(folder));
        Assert.Equal((name, scope, version, api), (metadata.Name, metadata.Scope, metadata.Version, metadata.ApiVersion));
        Assert.Contains(metadata.References, r => r.Name == "Kiln.Abstractions");
    }

    // XLIB-01: the bundled plugins declare the attribute with the API version they compiled against (the default).
    [Fact]
    public void KilnPluginAttribute_ApiVersionLeftOut_IsTheCompiledAgainstVersion()
    {
        Assert.Equal(KilnApi.Version, new KilnPluginAttribute("vision").ApiVersion);
        Assert.Equal("1.0", KilnApi.Version);
    }

    // XLIB-01: a host provides API major.minor to plugins built for the same major and a minor up to its own.
    [Theory]
    [InlineData("1.0", "1.0", null)]
    [InlineData("1.0", "1.3", null)]
    [InlineData("1.2", "1.3", null)]
    [InlineData("1.1", "1.0", "built for Kiln API 1.1, and this host provides API 1.0")]
    [InlineData("2.0", "1.0", "built for Kiln API 2.0")]
    [InlineData("0.9", "1.0", "built for Kiln API 0.9")]
    [InlineData("one", "1.0", "is not of the form major.minor")]
    public void Incompatibility_Versions_FollowsMajorMinorRule(string plugin, string host, string? expected)
    {
        string? reason = PluginMetadata.Incompatibility(plugin, host);
        if (expected is null) Assert.Null(reason);
        else Assert.Contains(expected, reason);
    }

    // XLIB-01: a file that is no .NET assembly is refused with its path.
    [Fact]
    public void Read_NotAnAssembly_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "Broken.dll");
        File.WriteAllText(path, "not a PE file");
        var e = Assert.Throws<KilnException>(() => PluginMetadata.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a readable .NET assembly", e.Message);
    }

    // Issue 4 "Show it" 1: with every fixture in one host, the good plugins (fixture, jsonnew, and trainfix from
    // issue 9) load and the five bad ones are skipped, each with its documented problem.
    [Fact]
    public void AddKiln_AllFixtures_SkipsEachBadPluginAndKeepsTheGoodOnes()
    {
        using var services = HostWith(strict: false, FixtureRoot);
        var catalog = services.GetRequiredService<PluginCatalog>();

        Assert.Equal(["fixture", "jsonnew", "trainfix"], catalog.Plugins.Select(p => p.Scope));
        Assert.Equal(
            [
                ("Kiln.Fixture.DupScope", PluginProblem.DuplicateScope), ("Kiln.Fixture.Future", PluginProblem.IncompatibleApi),
                ("Kiln.Fixture.MissingDep", PluginProblem.MissingDependency), ("Kiln.Fixture.Throwing", PluginProblem.RegistrationFailed),
                ("Kiln.Fixture.TwoEntries", PluginProblem.LoadFailed),
            ],
            catalog.Skipped.Select(s => (s.Name, s.Problem)));
        Assert.Equal(["mmengine", "fixture", "jsonnew", "trainfix"], services.GetRequiredService<RegistryTree>().Scopes);
    }

    // XLIB-01: a plugin built for a newer API is refused from its metadata alone: its assembly is never loaded.
    [Fact]
    public void AddKiln_NewerApiPlugin_SkippedWithoutLoadingIt()
    {
        using var services = HostWith(strict: false, Folder("future"));
        var skipped = Assert.Single(services.GetRequiredService<PluginCatalog>().Skipped);
        Assert.Equal(PluginProblem.IncompatibleApi, skipped.Problem);
        Assert.Contains("built for Kiln API 1.1, and this host provides API 1.0", skipped.Reason);
        Assert.Equal(("future", "1.1"), (skipped.Scope, skipped.ApiVersion));
        Assert.False(IsLoaded("Kiln.Fixture.Future"));
    }

    // XLIB-01: a missing dependency is found from metadata and named with its version, before any plugin code runs.
    [Fact]
    public void AddKiln_MissingDependency_SkippedNamingTheAssembly()
    {
        using var services = HostWith(strict: false, Folder("missingdep"));
        var skipped = Assert.Single(services.GetRequiredService<PluginCatalog>().Skipped);
        Assert.Equal(PluginProblem.MissingDependency, skipped.Problem);
        Assert.Contains("references Kiln.Fixture.AbsentLib 0.1.0.0, which is neither in its folder nor provided by the host", skipped.Reason);
        Assert.False(IsLoaded("Kiln.Fixture.MissingDep"));
        Assert.Null(services.GetRequiredService<RegistryTree>()[Registries.Functions].Get("missingdep.greet"));
    }

    // XLIB-01: a plugin whose claimed scope is taken is skipped before its entry class is created (its constructor throws).
    [Fact]
    public void AddKiln_DuplicateScope_SkippedWithoutCreatingItsEntry()
    {
        using var services = HostWith(strict: false, Folder("fixture"), Folder("fixture-dup"));
        var catalog = services.GetRequiredService<PluginCatalog>();
        var skipped = Assert.Single(catalog.Skipped);
        Assert.Equal(PluginProblem.DuplicateScope, skipped.Problem);
        Assert.Equal("Kiln.Fixture.DupScope", skipped.Name);
        Assert.Contains("scope 'fixture' is already taken by plugin Kiln.Fixture.Plugin", skipped.Reason);
        Assert.Equal("Kiln.Fixture.Plugin", Assert.Single(catalog.Plugins).Name);
    }

    // XLIB-01: a plugin that throws while registering is skipped and leaves nothing: no scope, no component, no service.
    [Fact]
    public void AddKiln_ThrowsWhileRegistering_SkippedAndNothingOfItKept()
    {
        using var services = HostWith(strict: false, Folder("throwing"), Folder("fixture"));
        var catalog = services.GetRequiredService<PluginCatalog>();
        var skipped = Assert.Single(catalog.Skipped);
        Assert.Equal(PluginProblem.RegistrationFailed, skipped.Problem);
        Assert.Contains("threw InvalidOperationException: the throwing fixture refuses to configure its services", skipped.Reason);

        var tree = services.GetRequiredService<RegistryTree>();
        Assert.DoesNotContain("throwing", tree.Scopes);
        Assert.Null(tree[Registries.Functions].Get("throwing.half_registered"));
        var throwingType = AssemblyLoadContext.All.SelectMany(c => c.Assemblies)
            .First(a => a.GetName().Name == "Kiln.Fixture.Throwing").GetType("Kiln.Fixture.Throwing.ThrowingPlugin", throwOnError: true)!;
        Assert.Null(services.GetService(throwingType));
        Assert.Equal(["fixture"], catalog.Scopes);
    }

    // XLIB-01: an assembly with two entry classes fails to load, named as a load failure.
    [Fact]
    public void AddKiln_TwoEntryClasses_SkippedAsLoadFailure()
    {
        using var services = HostWith(strict: false, Folder("twoentries"));
        var skipped = Assert.Single(services.GetRequiredService<PluginCatalog>().Skipped);
        Assert.Equal(PluginProblem.LoadFailed, skipped.Problem);
        Assert.Contains("exactly one class implementing IKilnPlugin", skipped.Reason);
    }

    // XLIB-01: --strict-plugins turns every skip into one error listing them all.
    [Fact]
    public void AddKiln_StrictWithBadPlugins_ThrowsListingEach()
    {
        var e = Assert.Throws<KilnException>(() => HostWith(strict: true, FixtureRoot));
        Assert.StartsWith("--strict-plugins: 5 plugin(s) could not be loaded:", e.Message);
        foreach (var name in new[] { "Kiln.Fixture.DupScope", "Kiln.Fixture.Future", "Kiln.Fixture.MissingDep", "Kiln.Fixture.Throwing", "Kiln.Fixture.TwoEntries" })
            Assert.Contains($"plugin {name}", e.Message);
    }

    // XLIB-01: --strict-plugins with only good plugins is no error.
    [Fact]
    public void AddKiln_StrictWithGoodPlugins_Loads()
    {
        using var services = HostWith(strict: true, Folder("fixture"), Folder("jsonnew"));
        Assert.Empty(services.GetRequiredService<PluginCatalog>().Skipped);
    }

    // Issue 4 "Show it" 1, DESIGN.md "Layers": two plugins with different versions of one private library (Newtonsoft.Json
    // 13.0.1 and 13.0.3) both load in one host, each binding its own copy from its own folder, and both models run.
    [Fact]
    public void Build_TwoPluginsWithDifferentNewtonsoftVersions_EachUsesItsOwn()
    {
        using var services = HostWith(strict: true, Folder("fixture"), Folder("jsonnew"));
        var builder = services.GetRequiredService<IComponentBuilder>();
        using var _ = torch.NewDisposeScope();
        var older = builder.Build<nn.Module<Tensor, Tensor>>(Registries.Models, new ConfigDict { ["type"] = "fixture.JsonLayoutNet" });
        var newer = builder.Build<nn.Module<Tensor, Tensor>>(Registries.Models, new ConfigDict { ["type"] = "jsonnew.JsonLinear" });

        var olderJson = (System.Reflection.Assembly)older.GetType().GetProperty("JsonAssembly")!.GetValue(null)!;
        var newerJson = (System.Reflection.Assembly)newer.GetType().GetProperty("JsonAssembly")!.GetValue(null)!;
        Assert.NotSame(olderJson, newerJson);
        Assert.Equal(Path.Combine(Folder("fixture"), "Newtonsoft.Json.dll"), olderJson.Location);
        Assert.Equal(Path.Combine(Folder("jsonnew"), "Newtonsoft.Json.dll"), newerJson.Location);
        Assert.StartsWith("13.0.1", System.Diagnostics.FileVersionInfo.GetVersionInfo(olderJson.Location).FileVersion);
        Assert.StartsWith("13.0.3", System.Diagnostics.FileVersionInfo.GetVersionInfo(newerJson.Location).FileVersion);
        Assert.Equal([5L, 2L], older.forward(torch.ones(5, 4)).shape);
        Assert.Equal([5L, 3L], newer.forward(torch.ones(5, 4)).shape);
    }

    // XLIB-01: `kiln plugins list` shows loaded and skipped plugins with scope, version, API and status; each skip is
    // logged as a warning and its reason printed.
    [Fact]
    public void PluginsList_AllFixtures_ShowsStatusAndReasons()
    {
        var run = CliRun.Invoke("plugins", "list", "--plugins", FixtureRoot);
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains(lines, l => l.StartsWith("NAME ", StringComparison.Ordinal) && l.Contains("SCOPE") && l.Contains("VERSION") && l.Contains("API") && l.Contains("STATUS"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Kiln\.Fixture\.JsonNew\s+jsonnew\s+0\.2\.0\s+1\.0\s+loaded\s+1\s"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Kiln\.Fixture\.Future\s+future\s+0\.1\.0\s+1\.1\s+skipped \(incompatible API\)\s+0\s"));
        Assert.Contains(lines, l => l.StartsWith("skipped Kiln.Fixture.MissingDep: it references Kiln.Fixture.AbsentLib", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" - kiln - WARNING - plugin Kiln.Fixture.Throwing (scope 'throwing') at ", StringComparison.Ordinal));
    }

    // XLIB-01: with --strict-plugins the same command stops with exit code 1 and the list of problems.
    [Fact]
    public void PluginsList_StrictWithBadPlugins_ExitsOne()
    {
        var run = CliRun.Invoke("plugins", "list", "--strict-plugins", "--plugins", FixtureRoot);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("kiln: error: --strict-plugins: 5 plugin(s) could not be loaded", run.Error);
        Assert.Contains("Kiln.Fixture.Future (scope 'future')", run.Error);
    }

    // Issue 4 "Show it" 4: a freshly built plugin folder copied into a plugins folder makes its types buildable, with
    // no rebuild of the host: `kiln registry list` shows it, and a host started on that folder builds and runs it.
    [Fact]
    public void DropIn_CopiedPluginFolder_TypesBuildableWithoutRebuild()
    {
        using var dir = new TempDir();
        string plugins = Path.Combine(dir.Path, "plugins");
        string target = Path.Combine(plugins, "jsonnew");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Folder("jsonnew"), "*", SearchOption.AllDirectories))
        {
            string dest = Path.Combine(target, Path.GetRelativePath(Folder("jsonnew"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }

        var run = CliRun.Invoke("registry", "list", "model", "--scope", "jsonnew", "--plugins", plugins);
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^JsonLinear\s+jsonnew\s+Kiln\.Fixture\.JsonNew\.JsonLinear\s+Kiln\.Fixture\.JsonNew\s*$", run.Output);

        using var host = KilnHost.Create(o => o.PluginRoots.Add(plugins), TextWriter.Null);
        var plugin = Assert.Single(host.Services.GetRequiredService<PluginCatalog>().Plugins);
        Assert.Equal(target, plugin.Directory);
        using var _ = torch.NewDisposeScope();
        var model = host.Services.GetRequiredService<IComponentBuilder>().Build<nn.Module<Tensor, Tensor>>(Registries.Models,
            new ConfigDict { ["type"] = "jsonnew.JsonLinear", ["layout"] = """{"in": 2, "out": 6}""" });
        Assert.Equal([1L, 6L], model.forward(torch.zeros(1, 2)).shape);
        Assert.Equal(target, Path.GetDirectoryName(model.GetType().Assembly.Location));
    }
}
