using System.Text;
using System.Text.Json;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet forward</c> at model-zoo scale: inputs from NumPy and raw float32 files, <c>--blobs</c> to pick what is
/// printed, JSON streamed in pieces (a blob larger than the writer's 64 KiB buffer still gives one valid document).
/// </summary>
[TestFixture]
public sealed class ForwardInputFileTests
{
    private const string Model = """
        name: "Twice"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
        layer { name: "twice" type: "Power" bottom: "data" top: "twice" power_param { scale: 2 } }
        """;

    private string _folder = null!;

    private string ModelFile => Path.Combine(_folder, "twice.prototxt");

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("layernet-forward-").FullName;
        File.WriteAllText(ModelFile, Model);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_float64_npy_file_of_another_shape_but_the_same_count_fills_the_blob()
    {
        var npy = WriteNpy("x.npy", "<f8", "(6,)", [.. new double[] { 1, 2, 3, 4, 5, 6.5 }.SelectMany(BitConverter.GetBytes)]);

        var run = CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(Values(run.Output, "twice"), Is.EqualTo(new[] { 2.0, 4, 6, 8, 10, 13 }));
    }

    [Test]
    public void An_integer_npy_file_is_converted()
    {
        var npy = WriteNpy("x.npy", "|u1", "(2, 3)", [0, 1, 2, 253, 254, 255]);

        var run = CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(Values(run.Output, "data"), Is.EqualTo(new[] { 0.0, 1, 2, 253, 254, 255 }));
    }

    [Test]
    public void A_raw_float32_file_fills_the_blob()
    {
        var raw = Path.Combine(_folder, "x.f32");
        File.WriteAllBytes(raw, [.. new float[] { -1, 0.5f, 2, 3, 4, 5 }.SelectMany(BitConverter.GetBytes)]);

        var run = CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={raw}", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(Values(run.Output, "twice"), Is.EqualTo(new[] { -2.0, 1, 4, 6, 8, 10 }));
    }

    [Test]
    public void A_raw_file_of_the_wrong_size_is_one_line()
    {
        var raw = Path.Combine(_folder, "x.f32");
        File.WriteAllBytes(raw, new byte[20]);

        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={raw}")
            .AssertOneLineError($"--input data: '{raw}' holds 20 bytes, but blob 'data' of shape 2 3 (6) needs 24 (raw little-endian float32; a NumPy array needs the .npy extension)");
    }

    [Test]
    public void A_device_without_end_is_never_read_whole()
    {
        CommandRun.Run("forward", "--model", ModelFile, "--input", "data=/dev/zero")
            .AssertOneLineError("--input data: '/dev/zero' holds more than 24 bytes, but blob 'data' of shape 2 3 (6) needs 24");
    }

    [Test]
    public void An_npy_array_of_another_count_names_both_shapes()
    {
        var npy = WriteNpy("x.npy", "<f4", "(2, 2)", new byte[16]);

        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}")
            .AssertOneLineError($"--input data: '{npy}' holds an array of shape (2, 2) = 4 values, but blob 'data' has shape 2 3 (6)");
    }

    [Test]
    public void A_truncated_npy_file_is_one_line()
    {
        var npy = WriteNpy("x.npy", "<f4", "(2, 3)", new byte[10]);

        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}")
            .AssertOneLineError($"--input data: '{npy}' is 138 bytes long, but its header declares 152");
    }

    [Test]
    public void A_fortran_order_npy_file_says_how_to_save_it()
    {
        var npy = WriteNpy("x.npy", "<f4", "(2, 3)", new byte[24], fortran: true);

        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}")
            .AssertOneLineError("is in Fortran order; save it with numpy.save(path, numpy.ascontiguousarray(array))");
    }

    [Test]
    public void A_file_that_is_not_npy_is_one_line()
    {
        var npy = Path.Combine(_folder, "x.npy");
        File.WriteAllText(npy, "1,2,3,4,5,6");

        CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={npy}")
            .AssertOneLineError($"--input data: '{npy}' is not a NumPy .npy file NumPy can write: it does not start with \\x93NUMPY");
    }

    [Test]
    public void A_word_that_is_neither_numbers_nor_a_file_is_one_line()
    {
        CommandRun.Run("forward", "--model", ModelFile, "--input", "data=missing.npy")
            .AssertOneLineError("--input data: 'missing.npy' is neither a number nor an existing file");
    }

    [Test]
    public void Blobs_prints_only_the_blobs_named_and_no_parameters()
    {
        var run = CommandRun.Run("forward", "--model", ModelFile, "--input", "data=1,2,3,4,5,6", "--blobs", "twice");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Is.EqualTo(new[] { "loss = 0", "blob twice [2 3 (6)]", "  data: 2 4 6 8 10 12" }));
    }

    [Test]
    public void Blobs_naming_an_unknown_blob_lists_the_nets_blobs()
    {
        CommandRun.Run("forward", "--model", ModelFile, "--blobs", "twice,prob")
            .AssertOneLineError("--blobs: the net has no blob 'prob'; its blobs are data, twice");
    }

    [Test]
    public void Json_larger_than_the_writers_buffer_is_one_valid_document()
    {
        const int Count = 40_000;
        File.WriteAllText(ModelFile, Model.Replace("dim: 2 dim: 3", $"dim: {Count}", StringComparison.Ordinal));
        var raw = Path.Combine(_folder, "x.f32");
        File.WriteAllBytes(raw, [.. Enumerable.Range(0, Count).SelectMany(i => BitConverter.GetBytes(i * 0.25f))]);

        var run = CommandRun.Run("forward", "--model", ModelFile, "--input", $"data={raw}", "--json");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output.Length, Is.GreaterThan(4 * 65_536), "several flushes");
        var twice = Values(run.Output, "twice");
        Assert.That(twice, Has.Length.EqualTo(Count));
        Assert.That(twice, Is.EqualTo(Enumerable.Range(0, Count).Select(i => i * 0.5)));
    }

    [Test]
    public void A_response_file_gives_the_arguments_one_a_line()
    {
        var arguments = Path.Combine(_folder, "args.txt");
        File.WriteAllLines(arguments, ["--model", ModelFile, "--input", "data=" + string.Join(',', Enumerable.Range(1, 6)), "--blobs", "twice"]);

        var run = CommandRun.Run("forward", $"@{arguments}");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.OutputLines, Does.Contain("  data: 2 4 6 8 10 12"));
    }

    private static double[] Values(string json, string blob)
    {
        using var document = JsonDocument.Parse(json);
        foreach (var element in document.RootElement.GetProperty("blobs").EnumerateArray())
        {
            if (element.GetProperty("name").GetString() == blob)
            {
                return [.. element.GetProperty("data").EnumerateArray().Select(value => value.GetDouble())];
            }
        }

        throw new AssertionException($"no blob '{blob}' in the output");
    }

    // NumPy's format version 1.0: magic, version, header length, a dict padded with spaces to a multiple of 64 bytes.
    private string WriteNpy(string name, string descr, string shape, byte[] data, bool fortran = false)
    {
        var dictionary = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        var headerLength = dictionary.Length + 1;
        var padded = ((10 + headerLength + 63) / 64 * 64) - 10;
        var header = dictionary.PadRight(padded - 1) + "\n";
        var path = Path.Combine(_folder, name);
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
        return path;
    }
}
