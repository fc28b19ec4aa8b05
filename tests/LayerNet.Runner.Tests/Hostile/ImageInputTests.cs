using System.Runtime.Versioning;
using Caffe;
using Google.Protobuf;
using LayerNet.Runner.Tests.Commands;
using SkiaSharp;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// Bad image input (issue 14 item 7) to the real executable, case by case, for <c>classify</c>, <c>detect</c>,
/// <c>forward --input NAME=IMAGE</c>, <c>convert-imageset</c>, <c>compute-image-mean</c> and <c>test</c> on an
/// ImageData net: one line naming the file (and the list's line), exit 1, nothing half written. Gray where colour is
/// asked for, and the reverse, are converted as Caffe converts them (cv::imread), not refused.
/// </summary>
[TestFixture]
[UnsupportedOSPlatform("windows")]
public sealed class ImageInputTests
{
    // A deploy net for 2 x 2 colour images, and one for gray images.
    private const string ColorNet = """
        name: "Tiny"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 2 dim: 2 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
        """;

    private const string GrayNet = """
        name: "TinyGray"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 2 dim: 2 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 4 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
        """;

    // A detection net for 2 x 2 colour images: its Parameter's rows are zeros (image 0, confidence 0: nothing kept).
    private const string DetectionNet = """
        name: "TinyDetector"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 2 dim: 2 } } }
        layer { name: "det" type: "Parameter" top: "det" parameter_param { shape { dim: 1 dim: 1 dim: 2 dim: 7 } } }
        """;

    // setpriv drops root's right to read any file, so that chmod 000 means what it says for a test run as root.
    private static readonly string[] WithoutOverride = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"];

    private string _folder = null!;

    private string Unreadable => Path.Combine(_folder, "locked.png");

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-images-").FullName;
        File.WriteAllText(Path.Combine(_folder, "color.prototxt"), ColorNet);
        File.WriteAllText(Path.Combine(_folder, "gray.prototxt"), GrayNet);
        File.WriteAllText(Path.Combine(_folder, "detect.prototxt"), DetectionNet);
        File.WriteAllBytes(Path.Combine(_folder, "good.png"), Encode(4, 4, gray: false, SKEncodedImageFormat.Png));
        File.WriteAllBytes(Path.Combine(_folder, "gray.png"), Encode(4, 4, gray: true, SKEncodedImageFormat.Png));
        var png = Encode(64, 48, gray: false, SKEncodedImageFormat.Png);
        File.WriteAllBytes(Path.Combine(_folder, "cut.png"), png[..(png.Length / 2)]);
        var jpeg = Encode(64, 48, gray: false, SKEncodedImageFormat.Jpeg);
        File.WriteAllBytes(Path.Combine(_folder, "cut.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllText(Path.Combine(_folder, "notes.png"), "these are notes, not a picture\n");
        File.WriteAllBytes(Unreadable, Encode(4, 4, gray: false, SKEncodedImageFormat.Png));
        File.SetUnixFileMode(Unreadable, UnixFileMode.None);
        File.WriteAllText(Path.Combine(_folder, "empty.txt"), "\n\n");
        File.WriteAllText(Path.Combine(_folder, "notes.binaryproto"), "mean: 104 117 123\n");
        WriteMean("mean3x4x4.binaryproto", 3, 4, 4);
        WriteMean("mean1x2x2.binaryproto", 1, 2, 2);
    }

    [TearDown]
    public void DeleteFolder()
    {
        File.SetUnixFileMode(Unreadable, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.Delete(_folder, recursive: true);
    }

    // classify, detect and forward --input NAME=IMAGE: one preprocessing, one message.
    [TestCase("classify")]
    [TestCase("detect")]
    [TestCase("forward")]
    public void An_unreadable_image_is_named(string command) =>
        Run(Image(command, "locked.png"), WithoutOverride).AssertRefused("image 'locked.png' cannot be read: permission denied");

    [TestCase("classify", "cut.png")]
    [TestCase("classify", "cut.jpg")]
    [TestCase("detect", "cut.png")]
    [TestCase("detect", "cut.jpg")]
    [TestCase("forward", "cut.png")]
    [TestCase("forward", "cut.jpg")]
    public void A_truncated_image_is_named(string command, string file) =>
        Run(Image(command, file)).AssertRefused($"image '{file}' is truncated or corrupt");

    [TestCase("classify")]
    [TestCase("detect")]
    [TestCase("forward")]
    public void A_file_named_png_that_is_no_image_is_named(string command) =>
        Run(Image(command, "notes.png")).AssertRefused($"image 'notes.png' is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP)");

    // A --labels file that never ends or is no file: one line, never a hang (it was read with File.ReadAllLines).
    [TestCase("classify", "/dev/zero", "--labels: cannot read '/dev/zero': it reports no size but gives more than 64 MiB (a device such as /dev/zero?); give a regular file")]
    [TestCase("detect", "/dev/zero", "--labels: cannot read '/dev/zero': it reports no size but gives more than 64 MiB (a device such as /dev/zero?); give a regular file")]
    [TestCase("detect", "missing.txt", "--labels: cannot read 'missing.txt': no such file")]
    [TestCase("classify", ".", "--labels: cannot read '.': it is a folder, expected a file")]
    public void A_labels_file_that_is_a_device_missing_or_a_folder_is_one_line(string command, string labels, string message) =>
        Run([.. Image(command, "good.png"), "--labels", labels]).AssertRefused(message);

    [Test]
    public void A_bad_image_in_a_folder_is_named_with_its_path()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_folder, "photos")).FullName;
        File.Copy(Path.Combine(_folder, "good.png"), Path.Combine(photos, "a.png"));
        File.Copy(Path.Combine(_folder, "cut.jpg"), Path.Combine(photos, "b.jpg"));

        Run(["classify", "--model", "color.prototxt", "photos"]).AssertRefused($"image '{Path.Combine("photos", "b.jpg")}' is truncated or corrupt");
    }

    [Test]
    public void A_gray_image_for_a_colour_net_and_a_colour_image_for_a_gray_net_are_converted_as_caffe_converts_them()
    {
        // cv::imread (IMREAD_COLOR) repeats a gray file's value in B, G and R; classify.py's load_image does the same.
        // A colour file for a 1-channel net is read gray (IMREAD_GRAYSCALE), as cpp_classification converts it.
        File.WriteAllBytes(Path.Combine(_folder, "gray-as-color.png"), Encode(4, 4, gray: false, SKEncodedImageFormat.Png, grayValues: true));

        var grayFile = Run(["classify", "--model", "color.prototxt", "gray.png"]);
        var sameInColour = Run(["classify", "--model", "color.prototxt", "gray-as-color.png"]);
        var colourForGray = Run(["classify", "--model", "gray.prototxt", "good.png"]);
        var forward = Run(["forward", "--model", "gray.prototxt", "--input", "data=good.png"]);

        grayFile.AssertSucceeded();
        sameInColour.AssertSucceeded();
        colourForGray.AssertSucceeded();
        forward.AssertSucceeded();
        Assert.That(grayFile.Output.Replace("gray.png", "X", StringComparison.Ordinal), Is.EqualTo(sameInColour.Output.Replace("gray-as-color.png", "X", StringComparison.Ordinal)));
    }

    [Test]
    public void A_mean_file_with_other_channels_names_the_file_and_both_shapes()
    {
        Run(["classify", "--model", "color.prototxt", "--mean", "mean1x2x2.binaryproto", "good.png"])
            .AssertRefused("--mean 'mean1x2x2.binaryproto' has shape 1 1 2 2 (4), 1 channel; input blob 'data' takes 3 x 2 x 2 images: the mean needs 3 channels");
    }

    [TestCase("classify")]
    [TestCase("forward")]
    public void A_mean_file_that_is_no_blob_is_named(string command)
    {
        string[] args = command == "classify"
            ? ["classify", "--model", "color.prototxt", "--mean", "notes.binaryproto", "good.png"]
            : ["forward", "--model", "color.prototxt", "--mean", "notes.binaryproto", "--input", "data=good.png"];

        Run(args).AssertRefused("--mean: notes.binaryproto: not a valid binary caffe.BlobProto (While parsing a protocol message, the input ended unexpectedly in the middle of a field); is the file truncated or of another kind?");
    }

    [TestCase("classify")]
    [TestCase("forward")]
    public void An_empty_mean_file_is_named(string command)
    {
        File.WriteAllBytes(Path.Combine(_folder, "empty.binaryproto"), []);
        string[] args = command == "classify"
            ? ["classify", "--model", "color.prototxt", "--mean", "empty.binaryproto", "good.png"]
            : ["forward", "--model", "color.prototxt", "--mean", "empty.binaryproto", "--input", "data=good.png"];

        Run(args).AssertRefused("--mean 'empty.binaryproto' holds no values: an empty BlobProto is not a mean image");
    }

    // convert-imageset: the database appears whole or not at all.
    [Test]
    public void Convert_imageset_names_the_unreadable_image_and_its_line()
    {
        File.WriteAllText(Path.Combine(_folder, "list.txt"), "good.png 0\nlocked.png 1\n");

        Run(["convert-imageset", "./", "list.txt", "db"], WithoutOverride)
            .AssertRefused("image './locked.png' cannot be read: permission denied (image list 'list.txt', line 2); nothing written to 'db'");
    }

    [TestCase("cut.png", "is truncated or corrupt")]
    [TestCase("cut.jpg", "is truncated or corrupt")]
    [TestCase("notes.png", "is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP)")]
    [TestCase("missing.png", "not found")]
    public void Convert_imageset_names_the_bad_image_and_its_line(string file, string what)
    {
        File.WriteAllText(Path.Combine(_folder, "list.txt"), $"good.png 0\ngray.png 1\n\n{file} 2\ngood.png 3\n");

        Run(["convert-imageset", "./", "list.txt", "db"]).AssertRefused($"image './{file}' {what} (image list 'list.txt', line 4); nothing written to 'db'");
    }

    [Test]
    public void Convert_imageset_refuses_an_empty_list() =>
        Run(["convert-imageset", "./", "empty.txt", "db"]).AssertRefused("image list 'empty.txt' holds no images");

    [Test]
    public void Convert_imageset_converts_gray_to_colour_and_colour_to_gray_as_imread()
    {
        File.WriteAllText(Path.Combine(_folder, "list.txt"), "good.png 0\ngray.png 1\n");

        var colour = Run(["convert-imageset", "./", "list.txt", "colour_db"]);
        var gray = Run(["convert-imageset", "--gray", "./", "list.txt", "gray_db"]);
        var colourMean = Run(["compute-image-mean", "colour_db"]);
        var grayMean = Run(["compute-image-mean", "gray_db"]);

        colour.AssertSucceeded();
        gray.AssertSucceeded();
        colourMean.AssertSucceeded();
        grayMean.AssertSucceeded();
        Assert.That(colourMean.Output, Does.Contain("Number of channels: 3"));
        Assert.That(grayMean.Output, Does.Contain("Number of channels: 1"));
    }

    [Test]
    public void Convert_imageset_interrupted_leaves_no_database_and_says_where_it_stopped()
    {
        // Many large images, resized: long enough to be interrupted midway.
        File.WriteAllBytes(Path.Combine(_folder, "large.png"), Encode(800, 600, gray: false, SKEncodedImageFormat.Png));
        File.WriteAllLines(Path.Combine(_folder, "list.txt"), Enumerable.Repeat("large.png 1", 20_000));
        var before = FileSnapshot.Take(_folder, []);
        using var convert = RunnerProcess.Start(_folder, "convert-imageset", "--resize-height", "300", "--resize-width", "400", "./", "list.txt", "db");
        convert.WaitForLine(line => line.StartsWith("A total of", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Thread.Sleep(500);

        convert.Signal(RunnerProcess.SignalInterrupt);
        var code = convert.WaitForExit(TimeSpan.FromSeconds(60));

        var error = CommandRun.Lines(convert.Error);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(130), convert.Error);
            Assert.That(error, Has.Length.EqualTo(1), convert.Error);
            Assert.That(error[0], Does.Match("^convert-imageset interrupted after [0-9]+ of 20000 images; nothing written to 'db'$"));
            Assert.That(FileSnapshot.Take(_folder, []).Differences(before), Is.Empty, "no database, no partial folder");
        });
    }

    [Test]
    public void Convert_imageset_under_the_memory_bound_grows_its_map_as_the_records_need()
    {
        // 200 images of 300 x 400 x 3 bytes, 72 MB in one commit: more than the first map holds.
        File.WriteAllLines(Path.Combine(_folder, "list.txt"), Enumerable.Repeat("good.png 1", 200));

        var convert = Run(["convert-imageset", "--resize-height", "300", "--resize-width", "400", "./", "list.txt", "db"]);
        var mean = Run(["compute-image-mean", "db"]);

        convert.AssertSucceeded();
        mean.AssertSucceeded();
        Assert.That(convert.Output, Does.Contain("Processed 200 files."));
        Assert.That(mean.Output, Does.Contain("Processed 200 files.").And.Contain("Number of channels: 3"));
    }

    // compute-image-mean: the database it reads.
    [Test]
    public void Compute_image_mean_names_an_unreadable_database()
    {
        File.WriteAllText(Path.Combine(_folder, "list.txt"), "good.png 0\n");
        Run(["convert-imageset", "./", "list.txt", "db"]).AssertSucceeded();
        File.SetUnixFileMode(Path.Combine(_folder, "db", "data.mdb"), UnixFileMode.None);

        Run(["compute-image-mean", "db", "mean.binaryproto"], WithoutOverride).AssertRefused("cannot open LMDB database 'db'");
    }

    [Test]
    public void Compute_image_mean_of_encoded_gray_and_colour_files_names_the_record_of_the_other_shape()
    {
        // convert-imageset --encoded stores each file's own bytes; compute_image_mean decodes each in its own colour
        // type (DecodeDatumNative), so a gray file among colour ones holds fewer values: Caffe stops there too.
        File.WriteAllText(Path.Combine(_folder, "list.txt"), "good.png 0\ngray.png 1\n");
        Run(["convert-imageset", "--encoded", "./", "list.txt", "db"]).AssertSucceeded();

        Run(["compute-image-mean", "db", "mean.binaryproto"])
            .AssertRefused("record '00000001_gray.png' in 'db' holds 16 values; the first holds 48 (3 x 4 x 4), and every record must hold as many");
    }

    [Test]
    public void Compute_image_mean_names_a_folder_that_is_no_database()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "pictures"));
        File.Copy(Path.Combine(_folder, "good.png"), Path.Combine(_folder, "pictures", "data.mdb"));

        Run(["compute-image-mean", "pictures", "mean.binaryproto"]).AssertRefused("cannot open LMDB database 'pictures'");
    }

    // test on an ImageData net: the layer names the list and its line, at set-up or in a later batch.
    [TestCase("locked.png", "cannot be read: permission denied")]
    [TestCase("cut.png", "is truncated or corrupt")]
    [TestCase("cut.jpg", "is truncated or corrupt")]
    [TestCase("notes.png", "is not an image LayerNet can read (JPEG, PNG, BMP, GIF, WebP, ICO, WBMP)")]
    public void Test_on_image_data_names_the_bad_image_and_its_line(string file, string what)
    {
        // The first image sets the shape; the bad one is read by a later batch, on the prefetching thread.
        var list = WriteList("good.png 0", "gray.png 1", "good.png 0", file + " 1");

        Run(["test", "--model", ImageDataNet(list), "--iterations", "2"], file == "locked.png" ? WithoutOverride : null)
            .AssertRefused($"layer 'images' (ImageData): image '{Path.Combine(_folder, file)}' {what} (image list '{list}', line 4)");
    }

    [Test]
    public void Test_on_image_data_names_a_missing_image_and_its_line()
    {
        var list = WriteList("good.png 0", "missing.png 1");

        Run(["test", "--model", ImageDataNet(list), "--iterations", "2"])
            .AssertRefused($"layer 'images' (ImageData): image '{Path.Combine(_folder, "missing.png")}' not found (image list '{list}', line 2)");
    }

    [Test]
    public void Test_on_image_data_refuses_an_empty_list() =>
        Run(["test", "--model", ImageDataNet(Path.Combine(_folder, "empty.txt"))])
            .AssertRefused($"layer 'images' (ImageData): image list '{Path.Combine(_folder, "empty.txt")}' holds no images");

    [TestCase(true)]
    [TestCase(false)]
    public void Test_on_image_data_reads_gray_files_in_colour_and_colour_files_in_gray_as_imread(bool color)
    {
        var list = WriteList("gray.png 0", "good.png 1");

        Run(["test", "--model", ImageDataNet(list, color: color), "--iterations", "2"]).AssertSucceeded();
    }

    [Test]
    public void Test_on_image_data_names_the_mean_file_of_the_wrong_shape_and_both_shapes()
    {
        var list = WriteList("good.png 0");
        var mean = Path.Combine(_folder, "mean1x2x2.binaryproto");

        Run(["test", "--model", ImageDataNet(list, mean)])
            .AssertRefused($"layer 'images' (ImageData): transform_param.mean_file '{mean}' has shape 1 1 2 2 (4); the data items are 3 x 4 x 4");
    }

    [Test]
    public void Test_on_image_data_names_a_mean_file_that_is_no_blob()
    {
        var list = WriteList("good.png 0");

        Run(["test", "--model", ImageDataNet(list, Path.Combine(_folder, "notes.binaryproto"))])
            .AssertRefused($"layer 'images' (ImageData): transform_param.mean_file: {Path.Combine(_folder, "notes.binaryproto")}: not a valid binary caffe.BlobProto (While parsing a protocol message, the input ended unexpectedly in the middle of a field); is the file truncated or of another kind?");
    }

    [Test]
    public void Test_on_image_data_names_an_empty_mean_file()
    {
        var list = WriteList("good.png 0");
        var mean = Path.Combine(_folder, "empty.binaryproto");
        File.WriteAllBytes(mean, []);

        Run(["test", "--model", ImageDataNet(list, mean)])
            .AssertRefused($"layer 'images' (ImageData): transform_param.mean_file '{mean}' holds no values: an empty BlobProto is not a mean image");
    }

    private static string[] Image(string command, string file) => command switch
    {
        "classify" => ["classify", "--model", "color.prototxt", file],
        "detect" => ["detect", "--model", "detect.prototxt", file],
        _ => ["forward", "--model", "color.prototxt", "--input", $"data={file}"],
    };

    private HostileResult Run(string[] args, string[]? prefix = null) =>
        HostileRun.Run(_folder, args, prefix: prefix);

    private string WriteList(params string[] lines)
    {
        var list = Path.Combine(_folder, $"list{Directory.GetFiles(_folder, "list*.txt").Length}.txt");
        File.WriteAllLines(list, lines);
        return list;
    }

    private string ImageDataNet(string list, string? mean = null, bool color = true)
    {
        var model = Path.Combine(_folder, "images.prototxt");
        var transform = mean is null ? string.Empty : $"transform_param {{ mean_file: \"{mean}\" }}";
        File.WriteAllText(model, $$"""
            name: "Images"
            layer { name: "images" type: "ImageData" top: "data" top: "label" {{transform}} image_data_param { source: "{{list}}" root_folder: "{{_folder}}/" batch_size: 2 is_color: {{(color ? "true" : "false")}} } }
            layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            """);
        return model;
    }

    private void WriteMean(string name, int channels, int height, int width)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        proto.Shape.Dim.Add([1, channels, height, width]);
        proto.Data.Add(Enumerable.Repeat(100f, channels * height * width));
        File.WriteAllBytes(Path.Combine(_folder, name), proto.ToByteArray());
    }

    // A PNG or JPEG of noise (gray: one channel); with grayValues, a colour file whose B, G and R are equal.
    private static byte[] Encode(int width, int height, bool gray, SKEncodedImageFormat format, bool grayValues = false)
    {
        var random = new Random(width * height);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = (byte)((x * 37) + (y * 11));
                bitmap.SetPixel(x, y, gray || grayValues ? new SKColor(value, value, value) : new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }
}
