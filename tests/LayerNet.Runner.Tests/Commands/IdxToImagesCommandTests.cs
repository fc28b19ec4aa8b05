using System.IO.Compression;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers;
using LayerNet.Layers.Data;
using LayerNet.Testing;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>idx-to-images: IDX images written as PNG files with a list, read back through ImageData.</summary>
[TestFixture]
public sealed class IdxToImagesCommandTests
{
    private const float Scale = 0.00390625f;
    private string _folder = string.Empty;

    [SetUp]
    public void MakeFolder() =>
        _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-idx-to-images-" + Guid.NewGuid().ToString("N"))).FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Writes_each_image_as_a_png_that_ImageData_reads_back_to_the_idx_bytes()
    {
        // Three 3 x 4 images (rows x columns) spanning 0..255, one compressed file and one raw.
        byte[][] pixels = [[.. Enumerable.Range(0, 12).Select(i => (byte)(i * 23))], [.. Enumerable.Range(0, 12).Select(i => (byte)(255 - i))], [.. Enumerable.Repeat((byte)128, 12)]];
        var images = WriteIdx("images.idx.gz", [3, 3, 4], [.. pixels.SelectMany(p => p)], compress: true);
        var labels = WriteIdx("labels.idx", [3], [7, 0, 255], compress: false);
        var list = Path.Combine(_folder, "lists", "tiny.txt");

        var run = CommandRun.Run("idx-to-images", images, labels, Path.Combine(_folder, "lists", "pictures"), list);

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        Assert.That(File.ReadAllLines(list), Is.EqualTo(new[] { "pictures/00000.png 7", "pictures/00001.png 0", "pictures/00002.png 255" }));
        using (var codec = SKCodec.Create(Path.Combine(_folder, "lists", "pictures", "00001.png")))
        {
            Assert.That((codec.EncodedFormat, codec.Info.ColorType, codec.Info.Width, codec.Info.Height), Is.EqualTo((SKEncodedImageFormat.Png, SKColorType.Gray8, 4, 3)));
        }

        var top = ReadThroughImageData(list, Path.GetDirectoryName(list) + "/", batchSize: 3);
        Assert.That(top[0].Shape, Is.EqualTo(new[] { 3, 1, 3, 4 }));
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(pixels.SelectMany(p => p).Select(b => b * Scale).ToArray()));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new float[] { 7, 0, 255 }));
    }

    [Test]
    public void ImageData_over_the_written_pngs_serves_the_batches_IdxData_serves_over_the_idx_files()
    {
        // The first 500 of Fashion-MNIST's test images (the repository's subset), unshuffled and shuffled alike.
        var images = Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz");
        var labels = Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz");
        var list = Path.Combine(_folder, "test.txt");
        Assert.That(CommandRun.Run("idx-to-images", images, labels, Path.Combine(_folder, "test"), list).ExitCode, Is.Zero);

        foreach (var shuffle in new[] { false, true })
        {
            var idx = new LayerParameter { Name = "fashion", Type = "IdxData", TransformParam = new TransformationParameter { Scale = Scale } };
            idx.SetExtension(LayernetExtensions.IdxDataParam, new IdxDataParameter { Images = images, Labels = labels, BatchSize = 64, Shuffle = shuffle });
            var png = new LayerParameter { Name = "fashion", Type = "ImageData", TransformParam = new TransformationParameter { Scale = Scale } };
            png.ImageDataParam = new ImageDataParameter { Source = list, RootFolder = _folder + "/", IsColor = false, BatchSize = 64, Shuffle = shuffle };
            using var fromIdx = new IdxDataLayer(idx) { Random = new RandomSource(1701) };
            using var fromPng = new ImageDataLayer(png) { Random = new RandomSource(1701) };
            Blob[] idxTop = [new Blob(), new Blob()], pngTop = [new Blob(), new Blob()];
            fromIdx.SetUp([], idxTop);
            fromPng.SetUp([], pngTop);
            Assert.That(pngTop[0].Shape, Is.EqualTo(idxTop[0].Shape));

            // Nine batches of 64 run past the 500 images: the second epoch (reshuffled when shuffling) starts in batch 8.
            for (var batch = 0; batch < 9; batch++)
            {
                fromIdx.Forward([], idxTop);
                fromPng.Forward([], pngTop);
                Assert.That(pngTop[0].Data.ToArray(), Is.EqualTo(idxTop[0].Data.ToArray()), $"shuffle {shuffle}, batch {batch}: images");
                Assert.That(pngTop[1].Data.ToArray(), Is.EqualTo(idxTop[1].Data.ToArray()), $"shuffle {shuffle}, batch {batch}: labels");
            }
        }
    }

    [Test]
    public void A_missing_idx_file_is_one_line_naming_it_and_writes_no_list()
    {
        var labels = WriteIdx("labels.idx", [1], [1], compress: false);
        var missing = Path.Combine(_folder, "missing.idx");
        var list = Path.Combine(_folder, "list.txt");

        var run = CommandRun.Run("idx-to-images", missing, labels, Path.Combine(_folder, "out"), list);

        run.AssertOneLineError($"cannot read IDX file '{missing}'");
        Assert.That(File.Exists(list), Is.False);
    }

    [Test]
    public void Labels_that_do_not_match_the_images_are_one_line_naming_both_files()
    {
        var images = WriteIdx("images.idx", [2, 2, 2], new byte[8], compress: false);
        var labels = WriteIdx("labels.idx", [3], [1, 2, 3], compress: false);

        var run = CommandRun.Run("idx-to-images", images, labels, Path.Combine(_folder, "out"), Path.Combine(_folder, "list.txt"));

        run.AssertOneLineError($"IDX file '{labels}' holds 3 labels but '{images}' holds 2 images");
        Assert.That(File.Exists(Path.Combine(_folder, "list.txt")), Is.False);
    }

    [Test]
    public void Files_of_the_wrong_rank_are_one_line_errors()
    {
        var flat = WriteIdx("flat.idx", [2, 4], new byte[8], compress: false);
        var images = WriteIdx("images.idx", [2, 2, 2], new byte[8], compress: false);
        var labels = WriteIdx("labels.idx", [2, 1], [1, 2], compress: false);
        var list = Path.Combine(_folder, "list.txt");

        CommandRun.Run("idx-to-images", flat, labels, Path.Combine(_folder, "out"), list)
            .AssertOneLineError($"IDX file '{flat}' has 2 dimensions; images are count x rows x columns (3)");
        CommandRun.Run("idx-to-images", images, labels, Path.Combine(_folder, "out"), list)
            .AssertOneLineError($"IDX file '{labels}' has 2 dimensions; labels are one byte per image (1)");
    }

    private static Blob[] ReadThroughImageData(string list, string root, uint batchSize)
    {
        var definition = new LayerParameter { Name = "data", Type = "ImageData", TransformParam = new TransformationParameter { Scale = Scale } };
        definition.ImageDataParam = new ImageDataParameter { Source = list, RootFolder = root, IsColor = false, BatchSize = batchSize };
        using var layer = new ImageDataLayer(definition) { Random = new RandomSource(1) };
        Blob[] top = [new Blob(), new Blob()];
        layer.SetUp([], top);
        layer.Forward([], top);
        return top;
    }

    private string WriteIdx(string name, int[] dimensions, byte[] elements, bool compress)
    {
        using var bytes = new MemoryStream();
        bytes.Write([0, 0, 0x08, (byte)dimensions.Length]);
        foreach (var size in dimensions)
        {
            bytes.Write([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);
        }

        bytes.Write(elements);
        var path = Path.Combine(_folder, name);
        using var file = File.Create(path);
        if (compress)
        {
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            bytes.WriteTo(gzip);
        }
        else
        {
            bytes.WriteTo(file);
        }

        return path;
    }
}
