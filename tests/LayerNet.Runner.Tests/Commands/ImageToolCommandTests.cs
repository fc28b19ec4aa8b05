using System.Text;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Data;
using LightningDB;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>convert-imageset and compute-image-mean, on small PNG files written here.</summary>
[TestFixture]
public sealed class ImageToolCommandTests
{
    private string _folder = string.Empty;
    private string _images = string.Empty;

    [SetUp]
    public void WriteImages()
    {
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-imagetools-" + Guid.NewGuid().ToString("N"))).FullName;
        _images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName + Path.DirectorySeparatorChar;

        // Image k, 5 x 4: B = 10 x + y + 20 k, G = 100 + x + k, R = 200 + y.
        for (var k = 0; k < 4; k++)
        {
            WritePng(Path.Combine(_images, $"image {k}.png"), 5, 4, (x, y, c) => c switch { 0 => (10 * x) + y + (20 * k), 1 => 100 + x + k, _ => 200 + y });
        }
    }

    [TearDown]
    public void DeleteImages() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Converted_images_read_through_Data_give_what_ImageData_gives_on_the_same_files()
    {
        var list = List("image 0.png 0", "image 1.png 1", "image 2.png 2", "image 3.png 3");
        var database = Path.Combine(_folder, "train_lmdb");

        var run = CommandRun.Run("convert-imageset", "--resize-height", "6", "--resize-width", "7", _images, list, database);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(run.OutputLines, Is.EqualTo(new[] { "A total of 4 images.", "Processed 4 files." }));
        var transform = new TransformationParameter { CropSize = 5, Mirror = true };
        transform.MeanValue.Add([10f, 20f, 30f]);
        var data = new LayerParameter { Name = "data", Type = "Data", TransformParam = transform, DataParam = new DataParameter { Source = database, BatchSize = 3, Backend = DataParameter.Types.DB.Lmdb } };
        var images = new LayerParameter { Name = "data", Type = "ImageData", TransformParam = transform, ImageDataParam = new ImageDataParameter { Source = list, BatchSize = 3, RootFolder = _images, NewHeight = 6, NewWidth = 7 } };
        using var fromDatabase = new DataLayer(data) { Random = new RandomSource(7) };
        using var fromImages = new ImageDataLayer(images) { Random = new RandomSource(7) };
        Blob[] databaseTop = [new Blob(), new Blob()], imageTop = [new Blob(), new Blob()];
        fromDatabase.SetUp([], databaseTop);
        fromImages.SetUp([], imageTop);

        for (var batch = 0; batch < 3; batch++)
        {
            fromDatabase.Forward([], databaseTop);
            fromImages.Forward([], imageTop);
            Assert.That(databaseTop[0].Data.ToArray(), Is.EqualTo(imageTop[0].Data.ToArray()), $"batch {batch}");
            Assert.That(databaseTop[1].Data.ToArray(), Is.EqualTo(imageTop[1].Data.ToArray()), $"batch {batch}");
        }

        Assert.That(Keys(database), Is.EqualTo(new[] { "00000000_image 0.png", "00000001_image 1.png", "00000002_image 2.png", "00000003_image 3.png" }));
    }

    [Test]
    public void Training_from_the_converted_database_and_its_mean_matches_training_from_the_images()
    {
        var list = List("image 0.png 0", "image 1.png 1", "image 2.png 0", "image 3.png 1");
        var database = Path.Combine(_folder, "train_lmdb");
        var mean = Path.Combine(_folder, "mean.binaryproto");
        Assert.That(CommandRun.Run("convert-imageset", _images, list, database).ExitCode, Is.Zero);
        Assert.That(CommandRun.Run("compute-image-mean", database, mean).ExitCode, Is.Zero);
        var transform = $"transform_param {{ mean_file: '{mean}' scale: 0.01 crop_size: 3 mirror: true }}";

        var fromDatabase = Train($"type: 'Data' {transform} data_param {{ source: '{database}' batch_size: 3 backend: LMDB }}");
        var fromImages = Train($"type: 'ImageData' {transform} image_data_param {{ source: '{list}' root_folder: '{_images}' batch_size: 3 }}");

        Assert.That(fromDatabase, Has.Length.GreaterThanOrEqualTo(9));
        Assert.That(fromDatabase, Is.EqualTo(fromImages));
    }

    [Test]
    public void The_mean_is_Caffe_s_blob_and_the_channel_means_are_printed()
    {
        var database = Path.Combine(_folder, "lmdb");
        var mean = Path.Combine(_folder, "mean.binaryproto");
        Assert.That(CommandRun.Run("convert-imageset", _images, List("image 0.png 0", "image 3.png 1"), database).ExitCode, Is.Zero);

        var run = CommandRun.Run("compute-image-mean", database, mean);

        // Blue: (10 x + y + 10 x + y + 60) / 2 = 10 x + y + 30; green 100 + x + 1.5; red 200 + y.
        // Channel means over x in 0..4, y in 0..3: 20 + 1.5 + 30 = 51.5, 102 + 1.5 = 103.5, 201.5.
        var blob = BlobProto.Parser.ParseFrom(File.ReadAllBytes(mean));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.Error);
            Assert.That(run.OutputLines, Is.EqualTo(new[] { "Processed 2 files.", $"Write to {mean}", "Number of channels: 3", "mean_value channel [0]:51.5", "mean_value channel [1]:103.5", "mean_value channel [2]:201.5" }));
            Assert.That(new[] { blob.Num, blob.Channels, blob.Height, blob.Width }, Is.EqualTo(new[] { 1, 3, 4, 5 }));
            Assert.That(blob.Data[(1 * 5) + 2], Is.EqualTo(51f));
            Assert.That(blob.Data[20 + 3], Is.EqualTo(104.5f));
            Assert.That(blob.Data[40 + 15], Is.EqualTo(203f));
        });
    }

    [Test]
    public void Encoded_databases_decode_to_the_raw_mean()
    {
        var list = List("image 1.png 0", "image 2.png 1");
        var raw = Path.Combine(_folder, "raw");
        var stored = Path.Combine(_folder, "stored");
        var jpeg = Path.Combine(_folder, "jpeg");
        Assert.That(CommandRun.Run("convert-imageset", _images, list, raw).ExitCode, Is.Zero);
        Assert.That(CommandRun.Run("convert-imageset", "--encoded", _images, list, stored).ExitCode, Is.Zero);
        Assert.That(CommandRun.Run("convert-imageset", "--encoded", "--encode-type", "jpg", "--resize-height", "8", "--resize-width", "10", _images, list, jpeg).ExitCode, Is.Zero);

        var rawMean = CommandRun.Run("compute-image-mean", raw);
        var storedMean = CommandRun.Run("compute-image-mean", stored);
        var jpegMean = CommandRun.Run("compute-image-mean", jpeg);

        Assert.Multiple(() =>
        {
            Assert.That(Batch(stored, forceGray: false), Is.EqualTo(Batch(raw, forceGray: false)), "Data decodes encoded datums");
            Assert.That(Batch(stored, forceGray: true), Has.Length.EqualTo(2 * 4 * 5), "force_gray decodes in gray");
            Assert.That(storedMean.Output, Is.EqualTo(rawMean.Output));
            Assert.That(jpegMean.ExitCode, Is.Zero, jpegMean.Error);
            Assert.That(jpegMean.OutputLines, Has.Member("Number of channels: 3"));
        });
    }

    [Test]
    public void Shuffling_with_a_seed_is_reproducible_and_keys_number_the_new_order()
    {
        var list = List("image 0.png 0", "image 1.png 1", "image 2.png 2", "image 3.png 3");
        var first = Path.Combine(_folder, "first");
        var second = Path.Combine(_folder, "second");
        Assert.That(CommandRun.Run("convert-imageset", "--shuffle", "--seed", "3", _images, list, first).ExitCode, Is.Zero);
        Assert.That(CommandRun.Run("convert-imageset", "--shuffle", "--seed", "3", _images, list, second).ExitCode, Is.Zero);

        // caffe::shuffle from the seed's generator (RandomSource.Shuffle, checked against Boost's draws in CaffeRandomStreamTests).
        var order = new[] { 0, 1, 2, 3 };
        RandomSource.FromSeed(3).Shuffle(order.AsSpan());

        Assert.That(Keys(first), Is.EqualTo(Keys(second)));
        Assert.That(Keys(first), Is.EqualTo(order.Select((k, id) => $"{id:D8}_image {k}.png").ToArray()));
    }

    [Test]
    public void Bad_input_is_one_line_and_leaves_nothing_behind()
    {
        var database = Path.Combine(_folder, "db");
        var missing = List("image 0.png 0", "image 9.png 1");
        var badLine = List("image 0.png zero");
        var empty = List();
        WritePng(Path.Combine(_images, "small.png"), 3, 3, (_, _, _) => 0);
        var sizes = List("image 0.png 0", "small.png 1");
        var existing = Directory.CreateDirectory(Path.Combine(_folder, "existing")).FullName;

        CommandRun.Run("convert-imageset", _images, missing, database).AssertOneLineError($"image '{_images}image 9.png' not found (image list '{missing}', line 2); nothing written to '{database}'");
        CommandRun.Run("convert-imageset", _images, badLine, database).AssertOneLineError($"image list '{badLine}' line 1: expected 'path label' (an integer label after the last space), got 'image 0.png zero'");
        CommandRun.Run("convert-imageset", _images, empty, database).AssertOneLineError($"image list '{empty}' holds no images");
        CommandRun.Run("convert-imageset", "--check-size", _images, sizes, database).AssertOneLineError($"image '{_images}small.png' (image list '{sizes}', line 2) holds 27 values (3 x 3 x 3); the first holds 60 (--check-size); nothing written to '{database}'");
        CommandRun.Run("convert-imageset", _images, sizes, existing).AssertOneLineError($"'{existing}' already exists: convert-imageset writes a new database (Caffe: mkdir {existing} failed)");
        CommandRun.Run("convert-imageset", "--resize-height", "4", _images, sizes, database).AssertOneLineError("--resize-height and --resize-width go together, both positive (got 4 and 0)");
        CommandRun.Run("convert-imageset", "--encoded", "--encode-type", "gif", _images, sizes, database).AssertOneLineError("--encode-type must be png or jpg, got 'gif'");
        CommandRun.Run("compute-image-mean", Path.Combine(_folder, "nowhere")).AssertOneLineError($"cannot open LMDB database '{Path.Combine(_folder, "nowhere")}'");
        Assert.That(Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName), Is.EquivalentTo(new[] { "images", "existing" }.Concat(Directory.GetFiles(_folder).Select(Path.GetFileName))));
    }

    [Test]
    public void Records_of_another_size_stop_the_mean()
    {
        WritePng(Path.Combine(_images, "small.png"), 3, 3, (_, _, _) => 0);
        var database = Path.Combine(_folder, "mixed");
        Assert.That(CommandRun.Run("convert-imageset", _images, List("image 0.png 0", "small.png 1"), database).ExitCode, Is.Zero);

        CommandRun.Run("compute-image-mean", database).AssertOneLineError($"record '00000001_small.png' in '{database}' holds 27 values; the first holds 60 (3 x 4 x 5), and every record must hold as many");
    }

    /// <summary>Trains a linear classifier for 8 iterations from the data layer given; returns the losses it logs ("loss = ..." and what follows).</summary>
    private string[] Train(string dataLayer)
    {
        var name = Guid.NewGuid().ToString("N");
        var net = Path.Combine(_folder, name + ".prototxt");
        File.WriteAllText(net, $$"""
            layer { name: 'data' top: 'data' top: 'label' include { phase: TRAIN } {{dataLayer}} }
            layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { num_output: 2 weight_filler { type: 'xavier' } } }
            layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }
            """);
        var solver = Path.Combine(_folder, name + "_solver.prototxt");
        File.WriteAllText(solver, $"net: '{net}'\nbase_lr: 0.1\nlr_policy: 'fixed'\nmax_iter: 8\ndisplay: 1\nrandom_seed: 5\nsnapshot_prefix: '{Path.Combine(_folder, name)}'\n");
        var run = CommandRun.Run("train", "--solver", solver);
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        return [.. run.OutputLines.Where(line => line.Contains("loss = ", StringComparison.Ordinal)).Select(line => line[line.LastIndexOf("loss = ", StringComparison.Ordinal)..])];
    }

    /// <summary>The first batch of two that Data serves from the database.</summary>
    private static float[] Batch(string database, bool forceGray)
    {
        var definition = new LayerParameter
        {
            Name = "data",
            Type = "Data",
            TransformParam = new TransformationParameter { ForceGray = forceGray },
            DataParam = new DataParameter { Source = database, BatchSize = 2, Backend = DataParameter.Types.DB.Lmdb },
        };
        using var layer = new DataLayer(definition) { Random = new RandomSource(0) };
        Blob[] top = [new Blob()];
        layer.SetUp([], top);
        layer.Forward([], top);
        return top[0].Data.ToArray();
    }

    private string List(params string[] lines)
    {
        var path = Path.Combine(_folder, $"list-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, string.Concat(lines.Select(line => line + "\n")));
        return path;
    }

    private static void WritePng(string path, int width, int height, Func<int, int, int, int> value)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = ((y * width) + x) * 4;
                (pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]) = ((byte)value(x, y, 0), (byte)value(x, y, 1), (byte)value(x, y, 2), 255);
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>The database's keys in order (LMDB's native library was chosen by a command or layer that opened one first).</summary>
    private static string[] Keys(string folder)
    {
        var definition = new LayerParameter { Name = "data", Type = "Data", DataParam = new DataParameter { Source = folder, BatchSize = 1, Backend = DataParameter.Types.DB.Lmdb } };
        using (var layer = new DataLayer(definition) { Random = new RandomSource(0) })
        {
            layer.SetUp([], [new Blob()]);
        }

        using var environment = new LightningEnvironment(folder, new EnvironmentConfiguration { MapSize = 1 << 24 });
        environment.Open(EnvironmentOpenFlags.ReadOnly);
        using var transaction = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using var database = transaction.OpenDatabase();
        using var cursor = transaction.CreateCursor(database);
        var keys = new List<string>();
        for (var (code, key, _) = cursor.First(); code == MDBResultCode.Success; (code, key, _) = cursor.Next())
        {
            keys.Add(Encoding.UTF8.GetString(key.AsSpan()));
        }

        return [.. keys];
    }
}
