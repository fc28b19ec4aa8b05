using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Caffe;
using Google.Protobuf;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Hostile;

/// <summary>
/// Readers given what a hostile user gives (issue 15, items 2, 3 and 6): a truncated or foreign LMDB, a device
/// without end, files declaring more than they hold (HDF5 rows, a gzip bomb, a name of megabytes), weights that
/// leave layers without values, and bytes that are not UTF-8. Each is one line naming the file, exit 1, within
/// the memory bound and the time limit, nothing changed.
/// </summary>
[TestFixture]
public sealed class ReaderTests
{
    private const string NoEnd = "it reports no size but gives more than 64 MiB (a device such as /dev/zero?); give a regular file";

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-readers-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    // Item 2: a truncated LMDB, cut inside the meta pages, at page boundaries and inside a page, is refused before
    // it is mapped (it was a SIGBUS: exit 135, nothing printed).
    [TestCase(0, "data.mdb' is 0 bytes, too short for an LMDB meta page (152 bytes): empty or truncated")]
    [TestCase(100, "data.mdb' is 100 bytes, too short for an LMDB meta page (152 bytes): empty or truncated")]
    [TestCase(6_000, "data.mdb' is truncated: it is 6000 bytes, less than its two meta pages (8192 bytes)")]
    [TestCase(8_192, "data.mdb' is truncated: its meta page declares 2524 pages of 4096 bytes (10338304 bytes), the file has 8192 bytes")]
    [TestCase(5_000_000, "data.mdb' is truncated: its meta page declares 2524 pages of 4096 bytes (10338304 bytes), the file has 5000000 bytes")]
    [TestCase(4_096 * 2_000, "data.mdb' is truncated: its meta page declares 2524 pages of 4096 bytes (10338304 bytes), the file has 8192000 bytes")]
    [TestCase(10_338_304 - 1, "the file has 10338303 bytes")]
    public void A_truncated_lmdb_is_one_line_naming_its_data_file(int length, string expected)
    {
        var database = CopyLenet();
        using (var stream = new FileStream(Path.Combine(database, "data.mdb"), FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(length);
        }

        var result = HostileRun.Run(_folder, TestLenet());

        result.AssertRefused("cannot open LMDB database");
        Assert.That(result.Error, Does.Contain(expected));
    }

    [Test]
    public void Garbage_as_an_lmdb_is_one_line_naming_its_data_file()
    {
        var database = CopyLenet();
        var garbage = new byte[100_000];
        new Random(15).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(database, "data.mdb"), garbage);

        HostileRun.Run(_folder, TestLenet())
            .AssertRefused("data.mdb' is not an LMDB database (no LMDB magic number 0xBEEFC0DE in its first page)");
    }

    [Test]
    public void An_lmdb_whose_root_page_is_beyond_its_last_page_is_one_line()
    {
        var database = CopyLenet();
        var data = Path.Combine(database, "data.mdb");
        var bytes = File.ReadAllBytes(data);
        foreach (var meta in new[] { 0, 4096 })
        {
            // The main database's root page number (MDB_meta.mm_dbs[1].md_root).
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(meta + 128), 1_000_000_000_000);
        }

        File.WriteAllBytes(data, bytes);

        HostileRun.Run(_folder, TestLenet()).AssertRefused("LMDB cannot read its first record (PageNotFound): the data file is damaged");
    }

    [Test]
    public void An_lmdb_folder_without_its_data_file_is_one_line_naming_it()
    {
        var database = CopyLenet();
        File.Delete(Path.Combine(database, "data.mdb"));

        HostileRun.Run(_folder, TestLenet()).AssertRefused("no LMDB data file");
    }

    [Test]
    public void A_whole_lmdb_still_reads()
    {
        CopyLenet();

        HostileRun.Run(_folder, TestLenet()).AssertSucceeded();
    }

    // Item 2 (item 3 of the issue): a device without end, wherever a reader takes a file.
    [Test]
    public void A_device_without_end_as_weights_is_one_line()
    {
        CopyTwoLayer();

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--weights", "/dev/zero", "--iterations", "1"])
            .AssertRefused($"cannot read '/dev/zero': {NoEnd}");
    }

    [Test]
    public void A_device_without_end_as_the_solver_is_one_line() =>
        HostileRun.Run(_folder, ["train", "--solver", "/dev/zero"]).AssertRefused($"cannot read '/dev/zero': {NoEnd}");

    [Test]
    public void A_device_without_end_as_convert_input_is_one_line() =>
        HostileRun.Run(_folder, ["convert", "/dev/zero", "out.prototxt", "--type", "NetParameter"]).AssertRefused($"cannot read '/dev/zero': {NoEnd}");

    [Test]
    public void A_device_without_end_as_the_learned_net_of_a_snapshot_is_one_line()
    {
        CopyTwoLayer();
        var state = SolverState.Parser.ParseFrom(File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate")));
        state.LearnedNet = "/dev/zero";
        File.WriteAllBytes(Path.Combine(_folder, "zero.solverstate"), state.ToByteArray());

        HostileRun.Run(_folder, ["train", "--solver", "solver.prototxt", "--snapshot", "zero.solverstate"])
            .AssertRefused($"cannot read '/dev/zero': {NoEnd}");
    }

    [TestCase("images")]
    [TestCase("labels")]
    public void A_device_without_end_as_an_idx_file_is_one_line(string which)
    {
        var images = which == "images" ? "/dev/zero" : Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-images-idx3-ubyte.gz");
        var labels = which == "labels" ? "/dev/zero" : Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz");

        HostileRun.Run(_folder, ["idx-to-images", images, labels, "out", "out/list.txt"])
            .AssertRefused($"cannot read '/dev/zero': {NoEnd}");
    }

    [Test]
    public void A_device_without_end_as_an_hdf5_source_list_is_one_line()
    {
        CopyTwoLayer();
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, File.ReadAllText(model).Replace("source: \"data.txt\"", "source: \"/dev/zero\"", StringComparison.Ordinal));

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--iterations", "1"])
            .AssertRefused($"layer 'data' (HDF5Data): source list: cannot read '/dev/zero': {NoEnd}");
    }

    // A 260 KB HDF5 file whose dataspaces declare 2,000,000 rows (2e9 elements of x): refused before allocating.
    [Test]
    public void An_hdf5_file_declaring_more_rows_than_it_can_hold_is_one_line()
    {
        CopyTwoLayer();
        var path = Path.Combine(_folder, "data.h5");
        var bytes = File.ReadAllBytes(path);
        ReplaceAll(bytes, Dimensions(64, 1000), Dimensions(2_000_000, 1000));
        ReplaceAll(bytes, Dimensions(64, 10), Dimensions(2_000_000, 10));
        File.WriteAllBytes(path, bytes);

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--iterations", "1"]).AssertRefused(
            $"data.h5' declares 2000000 x 1000 elements of 4 bytes (8000000000 bytes), more than the file's {bytes.Length} bytes can hold even compressed (at most 1032 times as many)");
    }

    // A gzip bomb: a header for 500 Fashion-MNIST images, then 256 MiB of zeros (about 256 KiB compressed).
    [Test]
    public void A_gzip_idx_file_that_goes_on_after_its_header_s_size_stops_there()
    {
        var bomb = Path.Combine(_folder, "bomb-images.gz");
        WriteGzipIdx(bomb, [500, 28, 28], 256L << 20);

        var result = HostileRun.Run(_folder, ["idx-to-images", bomb, Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"), "out", "out/list.txt"]);

        result.AssertRefused(
            $"cannot read IDX file '{bomb}': the decompressed data goes on after the 500 x 28 x 28 = 392000 bytes the header declares (decompression stopped there)");
    }

    [Test]
    public void A_gzip_idx_header_declaring_more_than_its_bytes_can_expand_to_is_one_line()
    {
        var bomb = Path.Combine(_folder, "huge-images.gz");
        WriteGzipIdx(bomb, [3, 1_500_000_000], 1 << 20);
        var compressed = new FileInfo(bomb).Length;

        var result = HostileRun.Run(_folder, ["idx-to-images", bomb, Fixtures.InRepository("tests", "data", "fashion-mnist", "test500-labels-idx1-ubyte.gz"), "out", "out/list.txt"]);

        result.AssertRefused(
            $"cannot read IDX file '{bomb}': the header declares 3 x 1500000000 = 4500000000 bytes of data, more than the limit of {compressed * 1032} bytes ({compressed} gzip bytes expand to at most 1032 times as many, and one array holds at most {Array.MaxLength})");
    }

    // A 10 MB name or type in a prototxt took 1.3 to 3.2 GB and 26 to 45 s; now the tokenizer stops at its limit.
    [Test]
    public void A_field_name_of_ten_megabytes_is_one_line_at_its_position()
    {
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), $"name: \"n\"\n  {new string('a', 10_000_000)}: 1\n");

        var result = HostileRun.Run(_folder, ["test", "--model", "net.prototxt"], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused("net.prototxt(2,3): a name of 10000000 characters ('aaaa");
        Assert.That(result.Error, Does.Contain("...'): the limit is 4096; is this a prototxt file?"));
        Assert.That(result.Error.Length, Is.LessThan(400));
    }

    [Test]
    public void A_type_name_of_ten_megabytes_is_one_line_at_its_position()
    {
        File.WriteAllText(Path.Combine(_folder, "net.prototxt"), $"layer {{\n  name: \"a\"\n  type: \"{new string('T', 10_000_000)}\"\n}}\n");

        var result = HostileRun.Run(_folder, ["test", "--model", "net.prototxt"], limit: TimeSpan.FromSeconds(30));

        result.AssertRefused("net.prototxt(3,9): a string of more than 1048576 characters: the limit for a string; is the closing \" missing?");
    }

    // Item 6: weights that leave layers as their fillers made them.
    [Test]
    public void An_empty_caffemodel_is_refused()
    {
        CopyTwoLayer();
        File.WriteAllBytes(Path.Combine(_folder, "empty.caffemodel"), []);

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--weights", "empty.caffemodel", "--iterations", "1"])
            .AssertRefused("weights 'empty.caffemodel' hold no layers: an empty or truncated file, or not a .caffemodel");
    }

    [TestCase("test")]
    [TestCase("forward")]
    public void A_caffemodel_cut_between_layers_is_refused_naming_the_layer_it_misses(string command)
    {
        CopyTwoLayer();
        WriteFirstLayers("cut.caffemodel", 2);
        string[] args = command == "test"
            ? ["test", "--model", "net.prototxt", "--weights", "cut.caffemodel", "--iterations", "1"]
            : ["forward", "--model", "net.prototxt", "--weights", "cut.caffemodel"];

        HostileRun.Run(_folder, args).AssertRefused(
            "layer 'fc2' (InnerProduct): weights 'cut.caffemodel' give it nothing: no layer of that name with learned blobs there; a truncated file, or weights of another net?");
    }

    [Test]
    public void Weights_of_another_net_are_refused()
    {
        CopyTwoLayer();
        File.Copy(Fixtures.File("caffe", "lenet_fashion", "lenet_fashion_iter_2000.caffemodel"), Path.Combine(_folder, "lenet.caffemodel"));

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--weights", "lenet.caffemodel", "--iterations", "1"])
            .AssertRefused("weights 'lenet.caffemodel' match no layer of net 'TwoLayerNet' (none of their 9 layers gives learned blobs to a layer of that name): weights of another net?");
    }

    [Test]
    public void Fine_tuning_from_a_caffemodel_cut_between_layers_names_each_layer_it_misses()
    {
        CopyTwoLayer();
        WriteFirstLayers("cut.caffemodel", 2);

        var result = HostileRun.Run(_folder, ["train", "--solver", "solver.prototxt", "--weights", "cut.caffemodel", "--iterations", "1"]);

        result.AssertSucceeded();
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.Error);
        Assert.That(result.Error, Does.Contain("layer 'fc2' (InnerProduct) gets no weights from 'cut.caffemodel': it starts from its fillers"));
    }

    [Test]
    public void Fine_tuning_from_an_empty_caffemodel_is_refused()
    {
        CopyTwoLayer();
        File.WriteAllBytes(Path.Combine(_folder, "empty.caffemodel"), []);

        HostileRun.Run(_folder, ["train", "--solver", "solver.prototxt", "--weights", "empty.caffemodel", "--iterations", "1"])
            .AssertRefused("weights 'empty.caffemodel' hold no layers");
    }

    [Test]
    public void A_caffemodel_cut_inside_a_layer_is_a_parse_error()
    {
        CopyTwoLayer();
        var whole = File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel"));
        File.WriteAllBytes(Path.Combine(_folder, "half.caffemodel"), whole[..(whole.Length / 2)]);

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--weights", "half.caffemodel", "--iterations", "1"])
            .AssertRefused("half.caffemodel: not a valid binary caffe.NetParameter (");
    }

    // Item 6: bytes that are not UTF-8 in a string are refused, not made U+FFFD.
    [Test]
    public void Invalid_utf8_in_a_prototxt_string_is_one_line_at_its_position()
    {
        CopyTwoLayer();
        var model = Path.Combine(_folder, "net.prototxt");
        var text = File.ReadAllText(model).Replace("name: \"fc1\"", "name: \"fc\u00001\"", StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes[Array.IndexOf(bytes, (byte)0)] = 0xFF;
        File.WriteAllBytes(model, bytes);
        var line = text[..text.IndexOf('\0', StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--iterations", "1"]).AssertRefused(
            $"net.prototxt({line},12): invalid UTF-8 in a string: byte 0xFF is not part of a UTF-8 character; save the file as UTF-8 (binary data in a bytes field is written as \\xFF)");
    }

    [Test]
    public void Invalid_utf8_in_a_layer_name_of_a_caffemodel_is_refused_naming_the_file()
    {
        CopyTwoLayer();
        var bytes = File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel"));
        ReplaceAll(bytes, "fc2"u8.ToArray(), [(byte)'f', 0xFF, (byte)'2']);
        File.WriteAllBytes(Path.Combine(_folder, "bad.caffemodel"), bytes);

        HostileRun.Run(_folder, ["test", "--model", "net.prototxt", "--weights", "bad.caffemodel", "--iterations", "1"])
            .AssertRefused("bad.caffemodel: not a valid binary caffe.NetParameter (String is invalid UTF-8); is the file truncated or of another kind?");
    }

    private static string[] TestLenet() =>
        ["test", "--model", "lenet_train_test.prototxt", "--weights", "lenet.caffemodel", "--iterations", "1"];

    private static byte[] Dimensions(ulong rows, ulong columns)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, rows);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), columns);
        return bytes;
    }

    private static void ReplaceAll(byte[] bytes, byte[] pattern, byte[] replacement)
    {
        var found = 0;
        for (var i = bytes.AsSpan().IndexOf(pattern); i >= 0; i = bytes.AsSpan(i + 1).IndexOf(pattern) is var next and >= 0 ? i + 1 + next : -1)
        {
            replacement.CopyTo(bytes, i);
            found++;
        }

        Assert.That(found, Is.GreaterThan(0), "pattern not found");
    }

    private static void WriteGzipIdx(string path, uint[] dimensions, long dataLength)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        var header = new byte[4 + (4 * dimensions.Length)];
        header[2] = 0x08;
        header[3] = (byte)dimensions.Length;
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        gzip.Write(header);
        var zeros = new byte[1 << 20];
        for (var written = 0L; written < dataLength; written += zeros.Length)
        {
            gzip.Write(zeros, 0, (int)Math.Min(zeros.Length, dataLength - written));
        }
    }

    // The LeNet fixture: model, weights, and a writable copy of its test LMDB; returns the LMDB's folder.
    private string CopyLenet()
    {
        File.Copy(Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt"), Path.Combine(_folder, "lenet_train_test.prototxt"));
        File.Copy(Fixtures.File("caffe", "lenet_fashion", "lenet_fashion_iter_2000.caffemodel"), Path.Combine(_folder, "lenet.caffemodel"));
        var database = Directory.CreateDirectory(Path.Combine(_folder, "fashion_mnist_test_lmdb")).FullName;
        var data = Path.Combine(database, "data.mdb");
        // Copied by content: the fixtures are read-only, and a copy keeps the mode.
        File.WriteAllBytes(data, File.ReadAllBytes(Fixtures.File("caffe", "lenet_fashion", "fashion_mnist_test_lmdb", "data.mdb")));
        return database;
    }

    private void CopyTwoLayer()
    {
        foreach (var name in new[] { "net.prototxt", "solver.prototxt", "data.txt", "data.h5" })
        {
            File.WriteAllBytes(Path.Combine(_folder, name), File.ReadAllBytes(Fixtures.File("caffe", "two_layer", name)));
        }
    }

    // The two-layer net's initial weights with only their first layers, as a file cut cleanly between layers.
    private void WriteFirstLayers(string name, int layers)
    {
        var trained = NetParameter.Parser.ParseFrom(File.ReadAllBytes(Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel")));
        var cut = trained.Clone();
        cut.Layer.Clear();
        cut.Layer.Add(trained.Layer.Take(layers));
        File.WriteAllBytes(Path.Combine(_folder, name), cut.ToByteArray());
    }
}
