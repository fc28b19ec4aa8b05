using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet convert</c> against protoc: every prototxt of Caffe's examples and models converts to the bytes
/// protoc made, and binary converts back to text and again to the same bytes.
/// </summary>
[TestFixture]
public sealed class ConvertCommandTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-convert-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    /// <summary>Each line of the fixtures' INDEX.txt: the prototxt file and its message type (e.g. caffe.NetParameter).</summary>
    public static IEnumerable<TestCaseData> CaffePrototxtFiles()
    {
        foreach (var line in File.ReadLines(Fixtures.File("caffe-prototxt", "INDEX.txt")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2)
            {
                yield return new TestCaseData(parts[0], parts[1]).SetArgDisplayNames(parts[0]);
            }
        }
    }

    [Test]
    public void The_index_lists_every_prototxt_fixture()
    {
        var listed = CaffePrototxtFiles().Select(data => (string)data.Arguments[0]!).Order().ToArray();
        var present = Directory.GetFiles(Fixtures.File("caffe-prototxt"), "*.prototxt").Select(Path.GetFileName).Order().ToArray();

        Assert.That(listed, Is.EqualTo(present));
        Assert.That(listed, Has.Length.GreaterThan(50));
    }

    [TestCaseSource(nameof(CaffePrototxtFiles))]
    public void Prototxt_to_binary_gives_protocs_bytes(string file, string type)
    {
        var input = Fixtures.File("caffe-prototxt", file);
        var expected = File.ReadAllBytes(Fixtures.File("caffe-prototxt", Path.ChangeExtension(file, ".pb")));
        var output = Path.Combine(_folder, "out.pb");

        var run = CommandRun.Run("convert", input, output, "--type", type);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain($"({type}, binary)"));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(CaffePrototxtFiles))]
    public void Binary_to_prototxt_and_back_gives_the_same_bytes(string file, string type)
    {
        var binary = Fixtures.File("caffe-prototxt", Path.ChangeExtension(file, ".pb"));
        var text = Path.Combine(_folder, "text.prototxt");
        var again = Path.Combine(_folder, "again.pb");

        var toText = CommandRun.Run("convert", binary, text, "--type", type);
        var toBinary = CommandRun.Run("convert", text, again, "--type", type["caffe.".Length..]);

        Assert.That(toText.ExitCode, Is.EqualTo(0), toText.Error);
        Assert.That(toText.Output, Does.Contain($"({type}, text)"));
        Assert.That(toBinary.ExitCode, Is.EqualTo(0), toBinary.Error);
        Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(binary)));
    }

    [Test]
    public void A_caffemodel_is_a_NetParameter_and_round_trips_through_text()
    {
        var weights = Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel");
        var text = Path.Combine(_folder, "weights.prototxt");
        var again = Path.Combine(_folder, "again.caffemodel");

        var toText = CommandRun.Run("convert", weights, text);
        var toBinary = CommandRun.Run("convert", text, again);

        Assert.That(toText.Output, Does.Contain("(caffe.NetParameter, text)"), toText.Error);
        Assert.That(File.ReadAllText(text), Does.Contain("name: \"TwoLayerNet\"").And.Contain("name: \"fc1\""));
        Assert.That(toBinary.Output, Does.Contain("(caffe.NetParameter, binary)"), toBinary.Error);
        Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(weights)));
    }

    [Test]
    public void A_solverstate_is_a_SolverState_and_round_trips_through_text()
    {
        var state = Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.solverstate");
        var text = Path.Combine(_folder, "state.prototxt");
        var again = Path.Combine(_folder, "again.solverstate");

        var toText = CommandRun.Run("convert", state, text);
        var toBinary = CommandRun.Run("convert", text, again);

        Assert.That(toText.Output, Does.Contain("(caffe.SolverState, text)"), toText.Error);
        Assert.That(File.ReadAllText(text), Does.StartWith("iter: 2000"));
        Assert.That(toBinary.Output, Does.Contain("(caffe.SolverState, binary)"), toBinary.Error);
        Assert.That(File.ReadAllBytes(again), Is.EqualTo(File.ReadAllBytes(state)));
    }

    [Test]
    public void A_binaryproto_is_a_BlobProto()
    {
        var text = Path.Combine(_folder, "mean.prototxt");
        File.WriteAllText(text, "shape { dim: 1 dim: 3 }\ndata: 104 data: 117 data: 123.5\n");
        var binary = Path.Combine(_folder, "mean.binaryproto");
        var back = Path.Combine(_folder, "back.prototxt");

        var toBinary = CommandRun.Run("convert", text, binary);
        var toText = CommandRun.Run("convert", binary, back);

        Assert.That(toBinary.Output, Does.Contain("(caffe.BlobProto, binary)"), toBinary.Error);
        var blob = Caffe.BlobProto.Parser.ParseFrom(File.ReadAllBytes(binary));
        Assert.That(blob.Shape.Dim, Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(blob.Data, Is.EqualTo(new[] { 104f, 117f, 123.5f }));
        Assert.That(toText.Output, Does.Contain("(caffe.BlobProto, text)"), toText.Error);
        Assert.That(File.ReadAllText(back), Does.Contain("data: 123.5"));
    }

    [Test]
    public void A_misspelt_type_is_refused_with_a_suggestion()
    {
        var input = Fixtures.File("caffe-prototxt", "examples_mnist_lenet.prototxt");
        var output = Path.Combine(_folder, "out.pb");

        var run = CommandRun.Run("convert", input, output, "--type", "NetParamter");

        run.AssertOneLineError("unknown message type 'NetParamter'; did you mean 'NetParameter'?");
        Assert.That(output, Does.Not.Exist);
    }

    [Test]
    public void A_missing_input_file_is_one_line()
    {
        var input = Path.Combine(_folder, "missing.prototxt");

        var run = CommandRun.Run("convert", input, Path.Combine(_folder, "out.pb"), "--type", "NetParameter");

        run.AssertOneLineError($"cannot read '{input}': no such file");
    }

    [Test]
    public void A_missing_input_file_without_type_is_reported_as_missing()
    {
        var input = Path.Combine(_folder, "missing.caffemodel");

        var run = CommandRun.Run("convert", input, Path.Combine(_folder, "out.prototxt"));

        run.AssertOneLineError($"cannot read '{input}': no such file");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_folder_as_input_is_one_line(bool withType)
    {
        string[] type = withType ? ["--type", "NetParameter"] : [];

        var run = CommandRun.Run(["convert", _folder, Path.Combine(_folder, "out.pb"), .. type]);

        run.AssertOneLineError($"cannot read '{_folder}': it is a folder, expected a file");
    }
}
