using System.Runtime.CompilerServices;
using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Testing;
using LightningDB;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class DataLayerTests
{
    private static string FixtureDatabase => Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb");

    [Test]
    public void Reads_the_caffe_fixture_database_in_place()
    {
        var (layer, top) = SetUp(Definition(FixtureDatabase, 100, scale: 0.00390625f));
        using var _ = layer;

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 100, 1, 28, 28 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 100 }));

        layer.Forward([], top);

        // Caffe's convert_mnist_data writes the test images in file order: the same items as the IDX test file.
        var images = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz"));
        var labels = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"));
        Assert.Multiple(() =>
        {
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(labels.Elements[..100].ToArray().Select(b => (float)b).ToArray()));
            Assert.That(top[0].Data.ToArray(), Is.EqualTo(images.Elements[..(100 * 784)].ToArray().Select(b => b * 0.00390625f).ToArray()));
            Assert.That(Directory.GetFiles(FixtureDatabase).Select(Path.GetFileName), Is.EqualTo(new[] { "data.mdb" }), "no lock file is made");
        });
    }

    [Test]
    public void Deprecated_data_param_transform_fields_act_as_transform_param()
    {
        var definition = Definition(FixtureDatabase, 2);
        definition.TransformParam = null;
        definition.DataParam.Scale = 0.5f;
        definition.DataParam.CropSize = 20;
        var (layer, top) = SetUp(definition);
        using var _ = layer;

        layer.Forward([], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 1, 20, 20 }));
        Assert.That(top[0].Data.ToArray().Max(), Is.LessThanOrEqualTo(127.5f));
    }

    [Test]
    public void Cycles_to_the_first_record_after_the_10000th()
    {
        var (layer, top) = SetUp(Definition(FixtureDatabase, 1000));
        using var _ = layer;
        layer.Forward([], top);
        var first = top[1].Data.ToArray();
        var counts = new int[10];
        foreach (var label in first)
        {
            counts[(int)label]++;
        }

        for (var i = 1; i < 10; i++)
        {
            layer.Forward([], top);
            foreach (var label in top[1].Data)
            {
                counts[(int)label]++;
            }
        }

        layer.Forward([], top);

        Assert.Multiple(() =>
        {
            Assert.That(counts, Is.EqualTo(Enumerable.Repeat(1000, 10).ToArray()), "Fashion-MNIST's test set has 1000 items of each class");
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(first));
        });
    }

    [Test]
    public void Prefetching_delivers_the_same_batches_as_reading_in_forward()
    {
        var prefetched = Batches(Definition(FixtureDatabase, 64, prefetch: 4, crop: 20, mirror: true, randSkip: 50), 10);
        var inline = Batches(Definition(FixtureDatabase, 64, prefetch: 0, crop: 20, mirror: true, randSkip: 50), 10);

        Assert.That(prefetched, Is.EqualTo(inline));
    }

    [Test]
    public void Rand_skip_starts_after_a_random_number_of_records()
    {
        var (layer, top) = SetUp(Definition(FixtureDatabase, 1, randSkip: 500), seed: 11);
        using var _ = layer;
        // No transform draws: the producer's generator takes the net's first draw, as Caffe's prefetch thread does.
        var skip = new RandomSource(new RandomSource(11).NextUInt32()).NextInt(500);
        var images = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz"));
        var labels = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"));

        layer.Forward([], top);

        Assert.That(skip, Is.GreaterThan(0));
        Assert.That(top[1].Data[0], Is.EqualTo((float)labels.Elements[skip]));
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(images.Item(skip).ToArray().Select(b => (float)b).ToArray()));
    }

    [Test]
    public void Reads_float_data_and_surfaces_a_bad_record_at_the_forward_that_reaches_it()
    {
        var folder = WriteDatabase(
            Datum(2, 1, 2, label: 1, floats: [1f, 2f, 3f, 4f]),
            Datum(2, 1, 2, label: 2, floats: [5f, 6f, 7f, 8f]),
            Datum(1, 1, 2, label: 3, floats: [9f, 10f]));
        try
        {
            var (layer, top) = SetUp(Definition(folder, 2, prefetch: 2));
            using var _ = layer;

            layer.Forward([], top);
            Assert.That(top[0].Data.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 1, 2 }));

            var error = Assert.Throws<LayerNetException>(() => layer.Forward([], top))!;
            Assert.That(error.Message, Is.EqualTo($"layer 'data' (Data): record '00000002' in '{folder}' is 1 x 1 x 2; the first record is 2 x 1 x 2"));
            Assert.That(Assert.Throws<LayerNetException>(() => layer.Forward([], top))!.Message, Is.EqualTo(error.Message), "the error stays");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Errors_name_the_layer()
    {
        var encoded = WriteDatabase(new Datum { Channels = 1, Height = 1, Width = 1, Data = ByteString.CopyFrom(1), Encoded = true });
        try
        {
            var levelDb = Definition(FixtureDatabase, 10);
            levelDb.DataParam.Backend = DataParameter.Types.DB.Leveldb;
            var defaultBackend = Definition(FixtureDatabase, 10);
            defaultBackend.DataParam.ClearBackend();
            var noBatch = Definition(FixtureDatabase, 0);
            noBatch.DataParam.ClearBatchSize();

            Assert.Multiple(() =>
            {
                Assert.That(SetUpError(levelDb), Is.EqualTo("layer 'data' (Data): data_param.backend LEVELDB is not supported: LayerNet reads LMDB databases (backend: LMDB)"));
                Assert.That(SetUpError(defaultBackend), Does.Contain("LEVELDB (Caffe's default when backend is not given) is not supported"));
                Assert.That(SetUpError(noBatch), Is.EqualTo("layer 'data' (Data): data_param.batch_size is required"));
                Assert.That(SetUpError(Definition("no-such-lmdb", 10)), Does.StartWith("layer 'data' (Data): data_param.source 'no-such-lmdb' not found"));
                Assert.That(SetUpError(Definition(encoded, 1)), Does.Contain("record '00000000' in '" + encoded + "' is an encoded (compressed) image"));
            });
        }
        finally
        {
            Directory.Delete(encoded, recursive: true);
        }
    }

    private static LayerParameter Definition(string source, uint batchSize, uint prefetch = 4, float scale = 1f, uint crop = 0, bool mirror = false, uint randSkip = 0)
    {
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "Data",
            Phase = Phase.Train,
            TransformParam = new TransformationParameter { Scale = scale, CropSize = crop, Mirror = mirror },
            DataParam = new DataParameter { Source = source, BatchSize = batchSize, Backend = DataParameter.Types.DB.Lmdb, Prefetch = prefetch, RandSkip = randSkip },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");
        return definition;
    }

    private static (DataLayer Layer, Blob[] Top) SetUp(LayerParameter definition, ulong seed = 0) =>
        PrefetchingLayerHarness.SetUp(definition, d => new DataLayer(d), seed);

    private static string SetUpError(LayerParameter definition) => PrefetchingLayerHarness.SetUpError(definition, d => new DataLayer(d));

    private static float[] Batches(LayerParameter definition, int batches)
    {
        var (layer, top) = SetUp(definition, seed: 5);
        using var _ = layer;
        var values = new List<float>();
        for (var i = 0; i < batches; i++)
        {
            layer.Forward([], top);
            values.AddRange(top[0].Data.ToArray());
            values.AddRange(top[1].Data.ToArray());
        }

        return [.. values];
    }

    private static Datum Datum(int channels, int height, int width, int label, float[] floats)
    {
        var datum = new Datum { Channels = channels, Height = height, Width = width, Label = label };
        datum.FloatData.Add(floats);
        return datum;
    }

    /// <summary>Writes the datums to a new LMDB folder under keys 00000000, 00000001, ... as convert_mnist_data does.</summary>
    private static string WriteDatabase(params Datum[] datums)
    {
        // Let LmdbDatabase pick the native library before this test opens an environment of its own.
        RuntimeHelpers.RunClassConstructor(typeof(LmdbDatabase).TypeHandle);
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-lmdb-" + Guid.NewGuid().ToString("N"))).FullName;
        using var environment = new LightningEnvironment(folder, new EnvironmentConfiguration { MapSize = 1 << 20 });
        environment.Open();
        using var transaction = environment.BeginTransaction();
        using var database = transaction.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        for (var i = 0; i < datums.Length; i++)
        {
            transaction.Put(database, System.Text.Encoding.ASCII.GetBytes($"{i:D8}"), datums[i].ToByteArray());
        }

        transaction.Commit();
        return folder;
    }
}
