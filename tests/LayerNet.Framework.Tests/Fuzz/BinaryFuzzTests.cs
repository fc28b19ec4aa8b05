using System.IO.Compression;
using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Layers.Data;
using LayerNet.Nets;
using LayerNet.Solvers;
using LayerNet.Testing;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// Truncated and corrupted binary inputs (.caffemodel, .solverstate, HDF5, IDX), each a mutated copy in a temporary
/// folder: loading one either works or raises a one-line LayerNetException naming the file, within a time bound.
/// </summary>
[TestFixture]
public sealed class BinaryFuzzTests
{
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(20);

    private FuzzFolder _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = new FuzzFolder();
        foreach (var name in new[] { "net.prototxt", "data.h5", "data.txt", "init_iter_0.caffemodel", "two_layer_iter_2000.solverstate", "two_layer_iter_2000.caffemodel" })
        {
            _folder.Copy(Fixtures.File("caffe", "two_layer", name));
        }
    }

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void Corrupted_caffemodel_files_give_one_line_errors_naming_the_file()
    {
        var original = File.ReadAllBytes(_folder.File("init_iter_0.caffemodel"));
        var net = TwoLayerNet();
        var path = _folder.File("mutated.caffemodel");
        var count = FuzzSettings.Count(150);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 5_000_000 + i;
            var mutator = new Mutator(seed);
            File.WriteAllBytes(path, mutator.MutateBytes(original));
            Check(path, () => net.CopyTrainedLayersFrom(MessageFile.ReadBinary<NetParameter>(path, FuzzServices.Schema), $"'{path}'"), () => $"{FuzzSettings.Describe(seed)}: init_iter_0.caffemodel with {mutator.Describe()}");
        }
    }

    [Test]
    public void Corrupted_solverstate_files_give_one_line_errors_naming_the_file()
    {
        var original = File.ReadAllBytes(_folder.File("two_layer_iter_2000.solverstate"));
        var solverFile = _folder.File("solver.prototxt");
        File.WriteAllText(solverFile, "net: \"net.prototxt\" base_lr: 1e-4 lr_policy: \"fixed\" max_iter: 0 random_seed: 1701 snapshot_after_train: false\n");
        var document = FuzzServices.Reader.ReadDocument<SolverParameter>(solverFile);
        var solver = FuzzServices.Solvers.Create(
            document.Message,
            new SolverOptions { SolverFile = solverFile, Schema = FuzzServices.Schema, Source = document.Source });
        var path = _folder.File("mutated.solverstate");
        var count = FuzzSettings.Count(60);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 6_000_000 + i;
            var mutator = new Mutator(seed);
            File.WriteAllBytes(path, mutator.MutateBytes(original));
            Check(path, () => solver.Restore(path), () => $"{FuzzSettings.Describe(seed)}: two_layer_iter_2000.solverstate with {mutator.Describe()}");
        }
    }

    [Test]
    public void Corrupted_hdf5_files_give_one_line_errors_naming_the_file()
    {
        var original = File.ReadAllBytes(_folder.File("data.h5"));
        var (parameter, source) = FuzzServices.Reader.ReadDocument<NetParameter>(_folder.File("net.prototxt"));
        var path = _folder.File("data.h5");
        var count = FuzzSettings.Count(150);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 7_000_000 + i;
            var mutator = new Mutator(seed);
            File.WriteAllBytes(path, mutator.MutateBytes(original));
            Check(path, () => new Net(parameter, FuzzServices.Layers, new NetOptions { State = new NetState { Phase = Phase.Train }, Source = source }).Forward(), () => $"{FuzzSettings.Describe(seed)}: data.h5 with {mutator.Describe()}");
        }
    }

    [Test]
    public void Corrupted_idx_files_give_one_line_errors_naming_the_file()
    {
        var images = File.ReadAllBytes(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz"));
        var labels = File.ReadAllBytes(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"));
        var rawImages = Gunzip(images);
        var rawLabels = Gunzip(labels);
        var count = FuzzSettings.Count(150);
        for (var i = 0; i < count; i++)
        {
            var seed = FuzzSettings.Seed + 8_000_000 + i;
            var mutator = new Mutator(seed);

            // Damage the compressed file (gzip's checks), the raw file, or the raw file then compress it (the IDX header behind gzip).
            var damageImages = mutator.Random.Next(2) == 0;
            var original = damageImages ? (images, rawImages) : (labels, rawLabels);
            var how = mutator.Random.Next(3);
            var bytes = how switch
            {
                0 => mutator.MutateBytes(original.Item1),
                1 => mutator.MutateBytes(original.Item2),
                _ => Gzip(mutator.MutateBytes(original.Item2)),
            };
            var imagesPath = _folder.File("images.idx");
            var labelsPath = _folder.File("labels.idx");
            File.WriteAllBytes(imagesPath, damageImages ? bytes : rawImages);
            File.WriteAllBytes(labelsPath, damageImages ? rawLabels : bytes);
            var path = damageImages ? imagesPath : labelsPath;
            Check(
                path,
                () =>
                {
                    var definition = new LayerParameter { Name = "fashion", Type = "IdxData", Phase = Phase.Train };
                    definition.SetExtension(LayernetExtensions.IdxDataParam, new IdxDataParameter { Images = imagesPath, Labels = labelsPath, BatchSize = 10 });
                    definition.Top.Add("data");
                    definition.Top.Add("label");
                    using var layer = new IdxDataLayer(definition) { Random = new RandomSource(1) };
                    var top = new[] { new LayerNet.Blobs.Blob { Name = "data" }, new LayerNet.Blobs.Blob { Name = "label" } };
                    layer.SetUp([], top);
                    layer.Forward([], top);
                },
                () => $"{FuzzSettings.Describe(seed)}: {(damageImages ? "images" : "labels")} ({(how == 0 ? "compressed" : how == 1 ? "raw" : "raw, recompressed")}) with {mutator.Describe()}");
        }
    }

    private static void Check(string path, Action load, Func<string> describe)
    {
        var thrown = Watchdog.Run(load, TimeBound, describe);
        var error = FuzzInputs.AssertUserError(thrown, describe);
        if (error is null)
        {
            return;
        }

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain(Path.GetFileName(path)), describe);
            Assert.That(error.Message, Does.Not.Contain('\n'), describe);
        });
    }

    private Net TwoLayerNet()
    {
        var (parameter, source) = FuzzServices.Reader.ReadDocument<NetParameter>(_folder.File("net.prototxt"));
        return new(parameter, FuzzServices.Layers, new NetOptions { State = new NetState { Phase = Phase.Train }, Random = new RandomSource(1), Source = source });
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
