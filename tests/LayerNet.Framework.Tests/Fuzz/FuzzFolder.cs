namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>A temporary folder for mutated copies of real files; deleted on dispose.</summary>
internal sealed class FuzzFolder : IDisposable
{
    /// <summary>Creates a new, empty temporary folder.</summary>
    public FuzzFolder()
    {
        Path = Directory.CreateTempSubdirectory("layernet-fuzz-").FullName;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Copies a file into the folder under its own name; returns the copy's path.</summary>
    public string Copy(string source, string? name = null)
    {
        var target = File(name ?? System.IO.Path.GetFileName(source));
        System.IO.File.Copy(source, target, overwrite: true);
        return target;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A runaway input may still hold a file; the temporary folder is left to the system.
        }
    }
}
