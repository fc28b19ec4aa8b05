using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// The newer commands (upgrade, convert, convert-imageset) given what a hostile user gives: a device without end as
/// input, the input as output, an output folder nothing can be made in. One line, exit 1, nothing replaced.
/// </summary>
[TestFixture]
public sealed class HostileFileTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-hostile-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase("upgrade")]
    [TestCase("convert")]
    public void A_device_without_end_as_the_input_is_one_line(string command)
    {
        string[] type = command == "convert" ? ["--type", "NetParameter"] : [];
        CommandRun.Run([command, "/dev/zero", Path.Combine(_folder, "out.prototxt"), .. type])
            .AssertOneLineError("cannot read '/dev/zero': it reports no size but gives more than 64 MiB (a device such as /dev/zero?); give a regular file");
        Assert.That(Directory.GetFileSystemEntries(_folder), Is.Empty, "nothing written");
    }

    [TestCase("upgrade")]
    [TestCase("convert")]
    public void The_input_as_the_output_is_refused_and_the_input_kept(string command)
    {
        var model = Path.Combine(_folder, "vgg.prototxt");
        File.Copy(Fixtures.File("zoo", "vgg19_v1_deploy.prototxt"), model);
        var before = File.ReadAllBytes(model);
        File.CreateSymbolicLink(Path.Combine(_folder, "link.prototxt"), model);

        var same = CommandRun.Run(command, model, model);
        var throughLink = CommandRun.Run(command, model, Path.Combine(_folder, "link.prototxt"));

        same.AssertOneLineError($"OUT '{model}' is the input file; write to another file (the input is never replaced)");
        throughLink.AssertOneLineError("is the input file; write to another file (the input is never replaced)");
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(before));
    }

    [Test]
    public void An_image_list_without_end_is_one_line()
    {
        CommandRun.Run("convert-imageset", _folder + "/", "/dev/zero", Path.Combine(_folder, "db"))
            .AssertOneLineError("cannot read '/dev/zero': it reports no size but gives more than 64 MiB");
        Assert.That(Directory.GetFileSystemEntries(_folder), Is.Empty, "nothing written");
    }

    [Test]
    public void A_database_where_no_folder_can_be_made_is_one_line()
    {
        var image = Path.Combine(_folder, "a.png");
        Images.WriteGrayPng(image);
        var list = Path.Combine(_folder, "list.txt");
        File.WriteAllText(list, "a.png 0\n");

        CommandRun.Run("convert-imageset", _folder + "/", list, "/proc/db")
            .AssertOneLineError("cannot write '/proc/db': cannot make a folder in '/proc'");
    }

    private static class Images
    {
        // A 2 x 2 gray PNG, written by SkiaSharp as the tests of the image commands write theirs.
        public static void WriteGrayPng(string path)
        {
            using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(2, 2, SkiaSharp.SKColorType.Gray8));
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
    }
}
