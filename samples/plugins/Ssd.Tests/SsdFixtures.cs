namespace LayerNet.Samples.Ssd.Tests;

/// <summary>
/// The Caffe fixtures, read in place: the folder named by LAYERNET_FIXTURES, or ../shared/fixtures beside the
/// repository (the nearest folder above the test binaries holding LayerNet.sln). Missing fixtures fail the test.
/// </summary>
internal static class SsdFixtures
{
    public static string File(params string[] parts)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("LAYERNET_FIXTURES");
        var root = string.IsNullOrEmpty(fromEnvironment)
            ? Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "fixtures"))
            : Path.GetFullPath(fromEnvironment);
        var path = Path.Combine([root, .. parts]);
        if (!System.IO.File.Exists(path))
        {
            Assert.Fail($"Caffe fixture '{path}' not found. Set LAYERNET_FIXTURES or place ../shared/fixtures beside the repository.");
        }

        return path;
    }

    private static string RepositoryRoot()
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
