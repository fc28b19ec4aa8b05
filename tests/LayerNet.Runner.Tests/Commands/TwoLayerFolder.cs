using System.Globalization;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// A temporary folder holding a copy of Caffe's two-layer fixture (net.prototxt, data.h5, data.txt,
/// init_iter_0.caffemodel) and a solver written for the test. Deleted on dispose.
/// </summary>
internal sealed class TwoLayerFolder : IDisposable
{
    public const string SnapshotPrefix = "two_layer_test";

    private TwoLayerFolder(string path)
    {
        Path = path;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The solver file written by <see cref="WriteSolver"/>.</summary>
    public string Solver => File("solver.prototxt");

    /// <summary>The copied initial weights (Caffe's, random_seed 1701).</summary>
    public string InitialWeights => File("init_iter_0.caffemodel");

    /// <summary>The copied net.</summary>
    public string Net => File("net.prototxt");

    /// <summary>Copies the fixture into a new temporary folder.</summary>
    public static TwoLayerFolder Create()
    {
        var folder = new TwoLayerFolder(Directory.CreateTempSubdirectory("layernet-commands-").FullName);
        foreach (var name in new[] { "net.prototxt", "data.h5", "data.txt", "init_iter_0.caffemodel" })
        {
            System.IO.File.Copy(Fixtures.File("caffe", "two_layer", name), folder.File(name));
        }

        return folder;
    }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes solver.prototxt: the fixture's SGD (lr 1e-4, fixed) with the given lengths; <paramref name="extra"/> lines are appended.</summary>
    public string WriteSolver(int maxIter, int display, int snapshot = 0, params string[] extra)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            net: "net.prototxt"
            base_lr: 1e-4
            lr_policy: "fixed"
            max_iter: {maxIter}
            display: {display}
            snapshot: {snapshot}
            snapshot_prefix: "{SnapshotPrefix}"
            random_seed: 1701

            """);
        System.IO.File.WriteAllText(Solver, text + string.Join('\n', extra) + "\n");
        return Solver;
    }

    /// <summary>The snapshot pair of iteration <paramref name="iteration"/>.</summary>
    public (string Model, string State) SnapshotFiles(int iteration) =>
        (File($"{SnapshotPrefix}_iter_{iteration}.caffemodel"), File($"{SnapshotPrefix}_iter_{iteration}.solverstate"));

    /// <summary>Asserts that the snapshot pair of <paramref name="iteration"/> exists and parses as Caffe's NetParameter and SolverState of this net.</summary>
    public void AssertSnapshotLoads(int iteration)
    {
        var (model, state) = SnapshotFiles(iteration);
        Assert.That(model, Does.Exist);
        Assert.That(state, Does.Exist);
        var weights = Caffe.NetParameter.Parser.ParseFrom(System.IO.File.ReadAllBytes(model));
        var solverState = Caffe.SolverState.Parser.ParseFrom(System.IO.File.ReadAllBytes(state));
        var fc1 = weights.Layer.Single(layer => layer.Name == "fc1");
        var fc2 = weights.Layer.Single(layer => layer.Name == "fc2");
        Assert.Multiple(() =>
        {
            Assert.That(weights.Name, Is.EqualTo("TwoLayerNet"));
            Assert.That(fc1.Blobs, Has.Count.EqualTo(1));
            Assert.That(fc1.Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 100, 1000 }));
            Assert.That(fc1.Blobs[0].Data, Has.Count.EqualTo(100 * 1000));
            Assert.That(fc2.Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 10, 100 }));
            Assert.That(fc2.Blobs[0].Data, Has.Count.EqualTo(10 * 100));
            Assert.That(solverState.Iter, Is.EqualTo(iteration));
            Assert.That(System.IO.Path.GetFileName(solverState.LearnedNet), Is.EqualTo(System.IO.Path.GetFileName(model)));
            Assert.That(solverState.History, Has.Count.EqualTo(2));
            Assert.That(solverState.History[0].Data, Has.Count.EqualTo(100 * 1000));
        });
    }

    /// <summary>The iterations of the snapshot weights in the folder, ascending.</summary>
    public int[] SnapshotIterations() =>
        [.. Directory.GetFiles(Path, $"{SnapshotPrefix}_iter_*.caffemodel")
            .Select(path => int.Parse(System.IO.Path.GetFileNameWithoutExtension(path)[$"{SnapshotPrefix}_iter_".Length..], CultureInfo.InvariantCulture))
            .Order()];

    /// <summary>Files whose name says they are a temporary or partial write (atomic writes leave none).</summary>
    public string[] TemporaryFiles() =>
        [.. Directory.GetFiles(Path).Where(path => path.EndsWith(".tmp", StringComparison.Ordinal) || System.IO.Path.GetFileName(path).StartsWith('.'))];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process killed a moment ago may still hold a file; the temporary folder is left to the system.
        }
    }
}
