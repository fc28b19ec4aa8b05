using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Solvers;

/// <summary>
/// A fresh folder under the system temp folder, deleted on dispose. Solver tests write snapshots, so they run on
/// copies of Caffe's fixtures here, never on ../shared.
/// </summary>
internal sealed class TemporaryFolder : IDisposable
{
    /// <summary>The files of Caffe's two_layer fixture a training run needs (the net, its data, the initial weights).</summary>
    public static readonly string[] TwoLayerInputs = ["net.prototxt", "data.h5", "data.txt", "init_iter_0.caffemodel", "solver.prototxt"];

    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "layernet-solver-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>A folder holding a copy of the two_layer fixture's inputs (no Caffe outputs).</summary>
    public static TemporaryFolder WithTwoLayer()
    {
        var folder = new TemporaryFolder();
        foreach (var name in TwoLayerInputs)
        {
            System.IO.File.Copy(Fixtures.File("caffe", "two_layer", name), folder.File(name));
        }

        return folder;
    }

    /// <summary>The absolute path of <paramref name="name"/> inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a text file into the folder and returns its path.</summary>
    public string Write(string name, string text)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The names of the files and folders directly inside, sorted.</summary>
    public IReadOnlyList<string> Entries() =>
        [.. Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; the test's verdict matters more.
        }
    }
}
