using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LayerNet.Layers.Tests.Images;
using LayerNet.Nets;
using LightningDB;
using PureHDF;

namespace LayerNet.Layers.Tests.Data;

/// <summary>
/// Data layers shared among workers (<see cref="Layer.Shard"/>): worker r of N serves batches r, r + N, r + 2N, ...
/// of what one worker serves, bit for bit, through wraps, reshuffles and the transformer's random draws.
/// </summary>
[TestFixture]
public sealed class ShardedDataTests
{
    private const ulong Seed = 7;

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() =>
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-sharded-" + Guid.NewGuid().ToString("N"))).FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase(2, 0)]
    [TestCase(2, 3)]
    [TestCase(3, 0)]
    [TestCase(3, 3)]
    public void Data_workers_together_serve_what_one_worker_serves(int count, int prefetch)
    {
        // 7 records, batches of 3, 6 batches a worker: at least 36 records, five passes over the database. A random
        // crop and mirror draw per record; rand_skip draws from the producer's generator, the same on every worker.
        var database = WriteDatabase(7, channels: 2, height: 3, width: 4);
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "Data",
            Phase = Phase.Train,
            TransformParam = new TransformationParameter { CropSize = 2, Mirror = true },
            DataParam = new DataParameter { Source = database, BatchSize = 3, Backend = DataParameter.Types.DB.Lmdb, Prefetch = (uint)prefetch, RandSkip = 5 },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");

        AssertWorkersServeTheSequence(shard => Prefetching(definition, d => new DataLayer(d), shard), count, batchesPerWorker: 6);
    }

    [TestCase(2, 0)]
    [TestCase(2, 2)]
    [TestCase(3, 0)]
    [TestCase(3, 2)]
    public void IdxData_workers_together_serve_what_one_worker_serves_shuffled(int count, int prefetch)
    {
        // 7 images, batches of 3: each worker's 6 batches cross at least five epochs, each reshuffled.
        AssertWorkersServeTheSequence(shard => Prefetching(IdxDefinition((uint)prefetch), d => new IdxDataLayer(d), shard), count, batchesPerWorker: 6);
    }

    [TestCase(2, false)]
    [TestCase(2, true)]
    [TestCase(3, false)]
    [TestCase(3, true)]
    public void HDF5Data_workers_together_serve_what_one_worker_serves_across_files(int count, bool shuffle)
    {
        // Files of 3, 4 and 2 rows, batches of 4: batches straddle files, and 6 batches a worker pass over every
        // file at least five times (with shuffle: the file order and each file's rows drawn anew).
        var list = WriteHdf5List(("a.h5", 0, 3), ("b.h5", 100, 4), ("c.h5", 200, 2));

        AssertWorkersServeTheSequence(shard => Hdf5(list, 4, shuffle, shard), count, batchesPerWorker: 6);
    }

    [TestCase(2)]
    [TestCase(3)]
    public void HDF5Data_workers_together_serve_what_one_worker_serves_from_one_shuffled_file(int count)
    {
        // One file of 5 rows, batches of 2: its rows are reshuffled each time it is used up.
        var list = WriteHdf5List(("only.h5", 0, 5));

        AssertWorkersServeTheSequence(shard => Hdf5(list, 2, shuffle: true, shard), count, batchesPerWorker: 8);
    }

    [TestCase(2, 0)]
    [TestCase(2, 2)]
    [TestCase(3, 0)]
    [TestCase(3, 2)]
    public void ImageData_workers_together_serve_what_one_worker_serves_shuffled(int count, int prefetch)
    {
        // 5 lines, batches of 2, from a rand_skip start: 7 batches a worker cross at least five reshuffled epochs.
        var lines = new string[5];
        for (var i = 0; i < lines.Length; i++)
        {
            TestImages.WritePng(Path.Combine(_folder, $"image {i}.png"), Pattern(5, 4, 3, shift: 20 * i), 5, 4, 3);
            lines[i] = $"image {i}.png {i}";
        }

        var list = Path.Combine(_folder, "list.txt");
        File.WriteAllLines(list, lines);
        var definition = new LayerParameter
        {
            Name = "images",
            Type = "ImageData",
            Phase = Phase.Train,
            TransformParam = new TransformationParameter { CropSize = 3, Mirror = true },
            ImageDataParam = new ImageDataParameter { Source = list, BatchSize = 2, Shuffle = true, RandSkip = 4, RootFolder = _folder + Path.DirectorySeparatorChar },
            DataParam = new DataParameter { Prefetch = (uint)prefetch },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");

        AssertWorkersServeTheSequence(shard => Prefetching(definition, d => new ImageDataLayer(d), shard), count, batchesPerWorker: 7);
    }

    [TestCase(2, 0)]
    [TestCase(2, 2)]
    [TestCase(3, 0)]
    [TestCase(3, 2)]
    public void WindowData_workers_together_serve_what_one_worker_serves(int count, int prefetch)
    {
        // Windows are sampled with replacement: a worker passes over the others' batches by drawing their windows and coins.
        TestImages.WritePng(Path.Combine(_folder, "pattern.png"), Pattern(10, 8, 3, shift: 0), 10, 8, 3);
        var source = Path.Combine(_folder, "windows.txt");
        File.WriteAllText(source, $"# 0\n{Path.Combine(_folder, "pattern.png")}\n3 8 10\n6\n"
            + "1 0.9 0 0 3 3\n2 0.8 4 1 8 6\n3 0.7 2 2 6 7\n0 0.1 1 0 4 4\n0 0.2 5 3 9 7\n0 0.3 0 4 3 7\n");
        var definition = new LayerParameter
        {
            Name = "windows",
            Type = "WindowData",
            TransformParam = new TransformationParameter { CropSize = 3, Mirror = true },
            WindowDataParam = new WindowDataParameter { Source = source, BatchSize = 4, FgFraction = 0.5f },
            DataParam = new DataParameter { Prefetch = (uint)prefetch },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");

        AssertWorkersServeTheSequence(shard => Prefetching(definition, d => new WindowDataLayer(d), shard), count, batchesPerWorker: 6);
    }

    [Test]
    public void One_worker_of_one_serves_the_whole_sequence()
    {
        var whole = Serve(shard => Prefetching(IdxDefinition(0), d => new IdxDataLayer(d), shard), DataShard.Whole, 4);
        var alone = Serve(shard => Prefetching(IdxDefinition(0), d => new IdxDataLayer(d), shard), new DataShard(0, 1), 4);

        Assert.That(alone.Batches, Is.EqualTo(whole.Batches));
    }

    [Test]
    public void HDF5Data_reads_only_the_files_whose_rows_the_worker_serves()
    {
        // Two files of 4 rows, batches of 4, two workers: worker 0 serves a.h5 only, so b.h5 breaking after set-up
        // stops worker 1, not worker 0.
        var list = WriteHdf5List(("a.h5", 0, 4), ("b.h5", 100, 4));
        var (first, firstTop) = Hdf5(list, 4, shuffle: false, new DataShard(0, 2));
        var (second, secondTop) = Hdf5(list, 4, shuffle: false, new DataShard(1, 2));
        File.WriteAllText(Path.Combine(_folder, "b.h5"), "not HDF5 any more");

        for (var i = 0; i < 3; i++)
        {
            first.Forward([], firstTop);
            Assert.That(firstTop[1].Data.ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 3 }));
        }

        var error = Assert.Throws<LayerNetException>(() => second.Forward([], secondTop))!;
        Assert.That(error.Message, Does.StartWith($"layer 'data' (HDF5Data): cannot read HDF5 file '{Path.Combine(_folder, "b.h5")}'"));
    }

    [Test]
    public void A_sharded_forward_does_not_allocate()
    {
        var list = WriteHdf5List(("only.h5", 0, 5));
        var (hdf5, hdf5Top) = Hdf5(list, 2, shuffle: true, new DataShard(1, 3));
        var (idx, idxTop) = Prefetching(IdxDefinition(0), d => new IdxDataLayer(d), new DataShard(2, 3));
        using var _ = (IDisposable)idx;
        hdf5.Forward([], hdf5Top);
        idx.Forward([], idxTop);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            hdf5.Forward([], hdf5Top);
            idx.Forward([], idxTop);
        }

        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.That(after - before, Is.Zero);
    }

    [Test]
    public void A_layer_that_cannot_pass_over_batches_refuses_several_workers()
    {
        var definition = new LayerParameter { Name = "unordered", Type = "Unordered" };
        definition.Top.Add("data");
        using (var alone = new UnorderedLayer(definition))
        {
            alone.SetUp([], [new Blob()]);
        }

        using var shared = new UnorderedLayer(definition) { Shard = new DataShard(1, 2) };
        var error = Assert.Throws<LayerNetException>(() => shared.SetUp([], [new Blob()]))!;

        Assert.That(error.Message, Is.EqualTo("layer 'unordered' (Unordered): cannot be shared among 2 workers: it has no defined order of batches to divide between them"));
    }

    /// <summary>
    /// Checks that worker r of <paramref name="count"/> serves, as its batch k, the batch k * count + r one worker
    /// serves, bit for bit, and leaves the net's generator where one worker leaves it.
    /// </summary>
    private static void AssertWorkersServeTheSequence(Func<DataShard, (Layer Layer, Blob[] Top)> setUp, int count, int batchesPerWorker)
    {
        var whole = Serve(setUp, DataShard.Whole, count * batchesPerWorker);

        // Neighbouring batches differ, so a worker that served its neighbour's batches would fail.
        for (var k = 0; k + 1 < whole.Batches.Length; k++)
        {
            Assert.That(whole.Batches[k + 1], Is.Not.EqualTo(whole.Batches[k]), $"one worker's batches {k} and {k + 1}");
        }

        for (var r = 0; r < count; r++)
        {
            var worker = Serve(setUp, new DataShard(r, count), batchesPerWorker);
            Assert.That(worker.NextDraw, Is.EqualTo(whole.NextDraw), $"worker {r} of {count}: the net's generator after set-up");
            for (var k = 0; k < batchesPerWorker; k++)
            {
                Assert.That(worker.Batches[k], Is.EqualTo(whole.Batches[(k * count) + r]), $"worker {r} of {count}, its batch {k}");
            }
        }
    }

    /// <summary>The bits of every top after each of <paramref name="batches"/> forwards, and the net generator's next draw after set-up.</summary>
    private static (int[][] Batches, uint NextDraw) Serve(Func<DataShard, (Layer Layer, Blob[] Top)> setUp, DataShard shard, int batches)
    {
        var (layer, top) = setUp(shard);
        using var _ = layer as IDisposable;
        var nextDraw = layer.Random.NextUInt32();
        var served = new int[batches][];
        for (var k = 0; k < batches; k++)
        {
            layer.Forward([], top);
            var bits = new List<int>();
            foreach (var blob in top)
            {
                bits.AddRange(MemoryMarshal.Cast<float, int>(blob.Data).ToArray());
            }

            served[k] = [.. bits];
        }

        return (served, nextDraw);
    }

    private static (Layer Layer, Blob[] Top) Prefetching<TLayer>(LayerParameter definition, Func<LayerParameter, TLayer> create, DataShard shard)
        where TLayer : PrefetchingDataLayer =>
        PrefetchingLayerHarness.SetUp(definition, d =>
        {
            var layer = create(d);
            layer.Shard = shard;
            return layer;
        }, Seed);

    private static (Layer Layer, Blob[] Top) Hdf5(string list, uint batchSize, bool shuffle, DataShard shard)
    {
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "HDF5Data",
            Hdf5DataParam = new HDF5DataParameter { Source = list, BatchSize = batchSize, Shuffle = shuffle },
        };
        definition.Top.Add("data");
        definition.Top.Add("label");
        var layer = new HDF5DataLayer(definition) { Random = new RandomSource(Seed), Shard = shard };
        var top = definition.Top.Select(name => new Blob { Name = name }).ToArray();
        layer.SetUp([], top);
        return (layer, top);
    }

    private LayerParameter IdxDefinition(uint prefetch)
    {
        var images = Path.Combine(_folder, "images.idx");
        var labels = Path.Combine(_folder, "labels.idx");
        if (!File.Exists(images))
        {
            WriteIdx(images, [7, 3, 4], i => (byte)((37 * i) + 11));
            WriteIdx(labels, [7], i => (byte)i);
        }

        var definition = new LayerParameter
        {
            Name = "digits",
            Type = "IdxData",
            Phase = Phase.Train,
            TransformParam = new TransformationParameter { CropSize = 2, Mirror = true },
        };
        definition.SetExtension(LayernetExtensions.IdxDataParam, new IdxDataParameter { Images = images, Labels = labels, BatchSize = 3, Shuffle = true, Prefetch = prefetch });
        definition.Top.Add("data");
        definition.Top.Add("label");
        return definition;
    }

    /// <summary>A raw IDX file of unsigned bytes with the given dimensions; element i is <paramref name="element"/>(i).</summary>
    private static void WriteIdx(string path, int[] dimensions, Func<int, byte> element)
    {
        var count = 1;
        foreach (var dimension in dimensions)
        {
            count *= dimension;
        }

        var bytes = new byte[4 + (4 * dimensions.Length) + count];
        (bytes[2], bytes[3]) = (0x08, (byte)dimensions.Length);
        for (var d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dimensions[d]);
        }

        for (var i = 0; i < count; i++)
        {
            bytes[4 + (4 * dimensions.Length) + i] = element(i);
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <summary>
    /// Writes the files (name, first label, rows; row r has label first + r and data [label, -label]) and a list
    /// naming them; returns the list's path.
    /// </summary>
    private string WriteHdf5List(params (string Name, int First, int Rows)[] files)
    {
        var paths = new List<string>();
        foreach (var (name, first, rows) in files)
        {
            var data = new float[rows * 2];
            var labels = new float[rows];
            for (var r = 0; r < rows; r++)
            {
                labels[r] = first + r;
                (data[2 * r], data[(2 * r) + 1]) = (first + r, -(first + r));
            }

            var file = new H5File
            {
                ["data"] = new H5Dataset(data, fileDims: [(ulong)rows, 2]),
                ["label"] = new H5Dataset(labels, fileDims: [(ulong)rows]),
            };
            var path = Path.Combine(_folder, name);
            file.Write(path);
            paths.Add(path);
        }

        var list = Path.Combine(_folder, "list.txt");
        File.WriteAllLines(list, paths);
        return list;
    }

    /// <summary>An LMDB of <paramref name="records"/> byte datums under keys 00000000, 00000001, ...; datum i has label i and distinct bytes.</summary>
    private string WriteDatabase(int records, int channels, int height, int width)
    {
        // Let LmdbDatabase pick the native library before this test opens an environment of its own.
        RuntimeHelpers.RunClassConstructor(typeof(LmdbDatabase).TypeHandle);
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "lmdb")).FullName;
        using var environment = new LightningEnvironment(folder, new EnvironmentConfiguration { MapSize = 1 << 20 });
        environment.Open();
        using var transaction = environment.BeginTransaction();
        using var database = transaction.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        var size = channels * height * width;
        for (var i = 0; i < records; i++)
        {
            var pixels = new byte[size];
            for (var j = 0; j < size; j++)
            {
                pixels[j] = (byte)(((i * size) + j) * 7 % 251);
            }

            var datum = new Datum { Channels = channels, Height = height, Width = width, Label = i, Data = ByteString.CopyFrom(pixels) };
            transaction.Put(database, System.Text.Encoding.ASCII.GetBytes($"{i:D8}"), datum.ToByteArray());
        }

        transaction.Commit();
        return folder;
    }

    /// <summary>Rows of B, G, R bytes that differ at every pixel and, by <paramref name="shift"/>, between images.</summary>
    private static byte[] Pattern(int width, int height, int channels, int shift)
    {
        var pixels = new byte[width * height * channels];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 3) + shift);
        }

        return pixels;
    }

    /// <summary>A prefetching layer that does not say it can pass over batches: it must refuse several workers.</summary>
    private sealed class UnorderedLayer(LayerParameter parameter) : PrefetchingDataLayer(parameter)
    {
        protected override void DataLayerSetUp(IReadOnlyList<Blob> top)
        {
            Prefetch = 0;
            top[0].Reshape([1]);
        }

        protected override void LoadBatch(DataBatch batch) => batch.Data[0] = 1f;
    }
}
