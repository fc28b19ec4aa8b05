namespace LayerNet.Testing;

/// <summary>
/// Finds the files made by real Caffe and protoc (../shared/fixtures beside the repository, or the
/// folder named by <c>LAYERNET_FIXTURES</c>) and the repository itself. The fixtures are read in place,
/// never copied into the project; a test that writes works on a copy in a temporary folder.
/// </summary>
public static class Fixtures
{
    /// <summary>The repository root: the nearest folder above the test binaries holding LayerNet.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The fixtures folder. Missing fixtures fail the test: they never skip silently.</summary>
    public static string Root
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("LAYERNET_FIXTURES");
            var root = string.IsNullOrEmpty(fromEnvironment)
                ? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"))
                : Path.GetFullPath(fromEnvironment);
            if (!Directory.Exists(root))
            {
                Assert.Fail($"Caffe fixtures not found at '{root}'. Set LAYERNET_FIXTURES or place ../shared/fixtures beside the repository.");
            }

            return root;
        }
    }

    /// <summary>A path inside the fixtures folder; fails the test when it does not exist.</summary>
    public static string File(params string[] parts) => Existing(Path.Combine([Root, .. parts]));

    /// <summary>A path inside the repository; fails the test when it does not exist.</summary>
    public static string InRepository(params string[] parts) => Existing(Path.Combine([RepositoryRoot, .. parts]));

    private static string Existing(string path)
    {
        if (!System.IO.File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Fail($"Expected test file '{path}' does not exist.");
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(folder.FullName, "LayerNet.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No LayerNet.sln above '{AppContext.BaseDirectory}'.");
    }
}
