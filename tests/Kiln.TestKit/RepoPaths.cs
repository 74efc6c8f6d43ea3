namespace Kiln.TestKit;

/// <summary>Paths inside the repository, found from the test binary's folder (tests run from any directory).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The bundled MNIST sample.</summary>
    public static string Mnist => Path.Combine(Root, "data", "mnist");

    public static string VisionConfigs => Path.Combine(Root, "plugins", "Vision", "configs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Host.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Host.sln not found above {AppContext.BaseDirectory}.");
    }
}
