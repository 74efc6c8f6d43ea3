using System.IO.Compression;
using Kiln.Hosting;
using Kiln.Plugins;
using Kiln.TestKit;

namespace Kiln.Tests.Plugins;

/// <summary>
/// Issue 13 (INST-01 in spirit): <c>kiln plugins install</c> unpacks a plugin package (<c>kiln-plugin/&lt;name&gt;/</c>
/// inside a .nupkg, as <c>dotnet pack</c> of a plugin project makes it) or a plugin folder into a plugins folder the
/// host then loads. The packages here are zipped in the test from the fixture plugin's build output.
/// </summary>
public sealed class PluginInstallTests
{
    private static readonly string FixtureFolder = Path.Combine(AppContext.BaseDirectory, "fixture-plugins", "fixture");

    private static string MakePackage(TempDir temp, string prefix)
    {
        string package = temp.Combine("Kiln.Fixture.Plugin.0.1.0.nupkg");
        using var zip = ZipFile.Open(package, ZipArchiveMode.Create);
        zip.CreateEntry("Kiln.Fixture.Plugin.nuspec");
        foreach (var file in Directory.GetFiles(FixtureFolder, "*", SearchOption.AllDirectories))
            zip.CreateEntryFromFile(file, prefix + Path.GetRelativePath(FixtureFolder, file).Replace('\\', '/'));
        return package;
    }

    [Fact]
    public void Install_Package_UnpacksPluginFolderThatLoads()
    {
        using var temp = new TempDir();
        string root = temp.Combine("plugins");
        var installed = Assert.Single(PluginInstaller.Install(MakePackage(temp, "kiln-plugin/fixture/"), root));

        Assert.Equal(("Kiln.Fixture.Plugin", "fixture", Path.Combine(root, "fixture"), false),
            (installed.Name, installed.Scope, installed.Directory, installed.Replaced));
        // its private dependency came along, and the host finds and loads it from the plugins folder
        Assert.True(File.Exists(Path.Combine(root, "fixture", "Newtonsoft.Json.dll")));
        var plugin = PluginLoader.Load(Assert.Single(PluginLoader.Discover([root])));
        Assert.Equal("fixture", plugin.Scope);
        Assert.Equal([Path.Combine(root, "fixture")], Directory.GetFileSystemEntries(root)); // no staging folder left
    }

    [Fact]
    public void Install_Twice_ReplacesTheOlderCopy()
    {
        using var temp = new TempDir();
        string root = temp.Combine("plugins");
        PluginInstaller.Install(FixtureFolder, root);
        File.WriteAllText(Path.Combine(root, "fixture", "stale.txt"), "from the older copy");

        var again = Assert.Single(PluginInstaller.Install(MakePackage(temp, "kiln-plugin/fixture/"), root));

        Assert.True(again.Replaced);
        Assert.False(File.Exists(Path.Combine(root, "fixture", "stale.txt")));
        Assert.Single(Directory.GetDirectories(root)); // no staging folder left behind
    }

    [Fact]
    public void Install_PluginFolder_NamesTheFolderAfterTheScope()
    {
        using var temp = new TempDir();
        var installed = Assert.Single(PluginInstaller.Install(FixtureFolder, temp.Combine("p")));
        Assert.Equal(temp.Combine("p", "fixture"), installed.Directory);
        Assert.True(File.Exists(temp.Combine("p", "fixture", "Kiln.Fixture.Plugin.dll")));
    }

    [Fact]
    public void Install_PackageWithoutKilnPluginFolder_IsRejectedAndInstallsNothing()
    {
        using var temp = new TempDir();
        string root = temp.Combine("plugins");
        var e = Assert.Throws<KilnException>(() => PluginInstaller.Install(MakePackage(temp, "lib/net10.0/"), root));
        Assert.Contains("is not a Kiln plugin package: it has no kiln-plugin/<name>/ folder", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void Install_FolderThatIsNoPlugin_NamesWhatIsMissing()
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.Combine("readme.txt"), "not a plugin");
        var e = Assert.Throws<KilnException>(() => PluginInstaller.Install(temp.Path, temp.Combine("plugins")));
        Assert.Contains("is not a plugin folder: it has no <Assembly>.dll with its <Assembly>.deps.json", e.Message);
    }

    [Fact]
    public void Cli_InstallMissingSource_ExitsOneWithTheError()
    {
        using var temp = new TempDir();
        var run = CliRun.Invoke("plugins", "install", temp.Combine("nope.nupkg"), "--to", temp.Combine("plugins"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"plugin source '{temp.Combine("nope.nupkg")}' does not exist", run.Error);
    }

    [Fact]
    public void Cli_Install_ReportsWhereAndHowToLoad()
    {
        using var temp = new TempDir();
        var run = CliRun.Invoke("plugins", "install", FixtureFolder, "--to", temp.Combine("plugins"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"installed plugin Kiln.Fixture.Plugin 0.1.0 (scope 'fixture') in {temp.Combine("plugins", "fixture")}", run.Output);
        Assert.Contains($"kiln loads it with --plugins {temp.Combine("plugins")}", run.Output);
    }
}
