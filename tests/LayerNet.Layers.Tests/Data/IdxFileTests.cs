using System.IO.Compression;
using LayerNet.Errors;
using LayerNet.Layers.Data;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Data;

[TestFixture]
public sealed class IdxFileTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "layernet-idx-" + Guid.NewGuid().ToString("N"))).FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Reads_the_committed_gzip_subset()
    {
        var images = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz"));
        var labels = IdxFile.Read(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"));

        Assert.Multiple(() =>
        {
            Assert.That(images.Dimensions, Is.EqualTo(new[] { 500, 28, 28 }));
            Assert.That(images.ItemSize, Is.EqualTo(784));
            Assert.That(labels.Dimensions, Is.EqualTo(new[] { 500 }));

            // The first Fashion-MNIST test items are an ankle boot (9), a pullover (2), trousers (1), trousers (1).
            Assert.That(labels.Elements[..4].ToArray(), Is.EqualTo(new byte[] { 9, 2, 1, 1 }));
            Assert.That(images.Item(0).ToArray().Max(), Is.GreaterThan(200));
        });
    }

    [Test]
    public void Reads_raw_and_gzip_files_alike()
    {
        byte[] contents = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
        var raw = Write("raw.idx", contents);
        var gzip = Write("packed.gz", Gzip(contents));

        foreach (var path in new[] { raw, gzip })
        {
            var file = IdxFile.Read(path);
            Assert.That(file.Dimensions, Is.EqualTo(new[] { 2, 3 }), path);
            Assert.That(file.Item(1).ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }), path);
        }
    }

    [TestCase(new byte[] { 0, 0 }, "too short for an IDX header")]
    [TestCase(new byte[] { 8, 3, 0, 1, 0, 0, 0, 1, 7 }, "not an IDX file")]
    [TestCase(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0 }, "element type 0x0D (float32) is not supported")]
    [TestCase(new byte[] { 0, 0, 8, 0 }, "declares no dimensions")]
    [TestCase(new byte[] { 0, 0, 8, 3, 0, 0, 0, 1 }, "truncated header")]
    [TestCase(new byte[] { 0, 0, 8, 1, 0, 0, 0, 0 }, "dimension 0 has size 0")]
    [TestCase(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3 }, "truncated: the header says 2 x 2 = 4 bytes of data, the file has 3")]
    [TestCase(new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 1, 2 }, "1 bytes after the 1 elements")]
    public void A_bad_file_raises_one_line_naming_it(byte[] contents, string expected)
    {
        var path = Write("bad.idx", contents);

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Does.StartWith($"cannot read IDX file '{path}': "));
        Assert.That(error.Message, Does.Contain(expected));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void A_truncated_gzip_file_raises_one_line_naming_it()
    {
        var whole = File.ReadAllBytes(Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz"));
        var path = Write("cut.gz", whole[..(whole.Length / 2)]);

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Does.StartWith($"cannot read IDX file '{path}': "));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void A_missing_file_raises_naming_it()
    {
        var path = Path.Combine(_folder, "absent.gz");

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Does.StartWith($"cannot read IDX file '{path}': "));
    }

    [Test]
    public void A_gzip_file_going_on_after_its_declared_size_stops_there()
    {
        // 2 x 2 declared, then 64 MiB of zeros: decompression stops after the 4 declared bytes.
        var contents = new byte[8 + 4 + (64 << 20)];
        contents[2] = 0x08;
        contents[3] = 1;
        contents[7] = 4;
        var path = Write("bomb.gz", Gzip(contents));

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Is.EqualTo($"cannot read IDX file '{path}': the decompressed data goes on after the 4 = 4 bytes the header declares (decompression stopped there)"));
    }

    [Test]
    public void A_gzip_header_declaring_more_than_its_bytes_can_expand_to_is_refused_before_decompressing()
    {
        var path = Write("huge.gz", Gzip([0, 0, 8, 2, 0, 0, 0, 100, 0, 0x10, 0, 0]));
        var compressed = new FileInfo(path).Length;

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Is.EqualTo(
            $"cannot read IDX file '{path}': the header declares 100 x 1048576 = 104857600 bytes of data, more than the limit of {compressed * 1032} bytes " +
            $"({compressed} gzip bytes expand to at most 1032 times as many, and one array holds at most {Array.MaxLength})"));
    }

    [Test]
    public void A_gzip_file_with_exactly_its_declared_size_is_read()
    {
        var path = Write("small.gz", Gzip([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]));

        var file = IdxFile.Read(path);

        Assert.That(file.Dimensions, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(file.Item(1).ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
    }

    [TestCase(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3 }, "truncated: the header says 2 x 2 = 4 bytes of data, the file has 3")]
    [TestCase(new byte[] { 0, 0, 8, 3, 0, 0, 0, 1 }, "truncated header")]
    [TestCase(new byte[] { 0, 0, 8, 1, 0, 0, 0, 0 }, "dimension 0 has size 0")]
    public void A_bad_gzip_file_raises_the_same_errors_as_a_raw_one(byte[] contents, string expected)
    {
        var path = Write("bad.gz", Gzip(contents));

        var error = Assert.Throws<LayerNetException>(() => IdxFile.Read(path))!;

        Assert.That(error.Message, Does.StartWith($"cannot read IDX file '{path}': ").And.Contain(expected));
    }

    private string Write(string name, byte[] contents)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, contents);
        return path;
    }

    private static byte[] Gzip(byte[] contents)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(contents);
        }

        return output.ToArray();
    }
}
