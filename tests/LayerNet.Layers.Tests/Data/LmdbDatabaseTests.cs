using LayerNet.Layers.Data;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Data;

/// <summary>
/// An LMDB data file is checked against its meta pages before LMDB maps it: a page beyond a truncated file's end
/// would be a SIGBUS, which ends the process without a word (issue 15, item 2).
/// </summary>
[TestFixture]
public sealed class LmdbDatabaseTests
{
    private const long WholeLength = 10_338_304;

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-lmdb-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_whole_data_file_passes_and_opens()
    {
        var data = Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb", "data.mdb");

        Assert.That(new FileInfo(data).Length, Is.EqualTo(WholeLength));
        Assert.DoesNotThrow(() => LmdbDatabase.CheckDataFile(data));
        using var database = LmdbDatabase.Open(Path.GetDirectoryName(data)!);
        using var cursor = database.OpenCursor();
        Assert.That(cursor.IsEmpty, Is.False);
    }

    [TestCase(0L, "is 0 bytes, too short for an LMDB meta page (152 bytes): empty or truncated")]
    [TestCase(151L, "is 151 bytes, too short for an LMDB meta page (152 bytes): empty or truncated")]
    [TestCase(4_096L, "is truncated: it is 4096 bytes, less than its two meta pages (8192 bytes)")]
    [TestCase(12_288L, "is truncated: its meta page declares 2524 pages of 4096 bytes (10338304 bytes), the file has 12288 bytes")]
    [TestCase(WholeLength - 4_096, "is truncated: its meta page declares 2524 pages of 4096 bytes (10338304 bytes), the file has 10334208 bytes")]
    [TestCase(WholeLength - 1, "the file has 10338303 bytes")]
    public void A_truncated_data_file_is_refused_before_it_is_mapped(long length, string expected)
    {
        var data = Copy(length);

        var error = Assert.Throws<InvalidDataException>(() => LmdbDatabase.Open(_folder))!;

        Assert.That(error.Message, Does.StartWith($"data file '{data}' ").And.Contain(expected));
    }

    [Test]
    public void A_file_without_the_magic_number_is_refused()
    {
        var data = Copy(WholeLength);
        using (var stream = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 16;
            stream.Write(new byte[4]);
        }

        var error = Assert.Throws<InvalidDataException>(() => LmdbDatabase.Open(_folder))!;

        Assert.That(error.Message, Is.EqualTo($"data file '{data}' is not an LMDB database (no LMDB magic number 0xBEEFC0DE in its first page)"));
    }

    [Test]
    public void A_damaged_page_size_is_refused()
    {
        var data = Copy(WholeLength);
        using (var stream = new FileStream(data, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 40;
            stream.Write([0x00, 0x30, 0, 0]);
        }

        var error = Assert.Throws<InvalidDataException>(() => LmdbDatabase.Open(_folder))!;

        Assert.That(error.Message, Is.EqualTo($"data file '{data}' is damaged: its meta page declares a page size of 12288 bytes"));
    }

    private string Copy(long length)
    {
        var data = Path.Combine(_folder, "data.mdb");
        File.WriteAllBytes(data, File.ReadAllBytes(Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb", "data.mdb")));
        using var stream = new FileStream(data, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
        return data;
    }
}
