using LayerNet.Testing;
using Onnx;

namespace LayerNet.Runner.Tests.Commands;

/// <summary>
/// <c>layernet export</c> and <c>layernet import</c> as a user runs them: Caffe's LeNet with the weights Caffe trained on
/// Fashion-MNIST to ONNX and back, the options, and the mistakes (each one line, exit 1, nothing replaced).
/// </summary>
[TestFixture]
public sealed class OnnxCommandTests
{
    private string _folder = string.Empty;

    private static string Lenet => Fixtures.File("caffe-prototxt", "examples_mnist_lenet.prototxt");

    private static string LenetWeights => Fixtures.File("caffe", "lenet_fashion", "lenet_fashion_iter_2000.caffemodel");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-onnx-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string InFolder(string name) => Path.Combine(_folder, name);

    [Test]
    public void Export_writes_the_deploy_net_with_its_weights_and_says_what_it_wrote()
    {
        var onnx = InFolder("lenet.onnx");

        var run = CommandRun.Run("export", "--model", Lenet, "--weights", LenetWeights, "-o", onnx);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.StartWith($"wrote {onnx}: opset 17, inputs data [64x1x28x28], outputs prob [64x10], "));
            Assert.That(run.Output, Does.Contain("431,080 weights"));
            Assert.That(run.Error, Is.Empty);
            Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(17));
            Assert.That(model.ProducerName, Is.EqualTo("LayerNet"));
            Assert.That(model.Graph.Input.Single().Name, Is.EqualTo("data"));
            Assert.That(model.Graph.Output.Single().Name, Is.EqualTo("prob"));
            Assert.That(model.Graph.Node.Select(n => n.OpType), Does.Contain("Conv").And.Contain("MaxPool").And.Contain("Gemm").And.Contain("Softmax"));
        });
    }

    [Test]
    public void Export_with_an_input_shape_an_opset_and_a_dynamic_batch()
    {
        var onnx = InFolder("lenet.onnx");

        var run = CommandRun.Run("export", "--model", Lenet, "--weights", LenetWeights, "-o", onnx, "--input", "data=2x1x28x28", "--opset", "13", "--dynamic-batch");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        var dims = model.Graph.Input.Single().Type.TensorType.Shape.Dim;
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.Contain("inputs data [Nx1x28x28], outputs prob [Nx10]"));
            Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(13));
            Assert.That(model.IrVersion, Is.EqualTo(7));
            Assert.That(dims[0].DimParam, Is.EqualTo("N"));
            Assert.That(dims.Skip(1).Select(d => d.DimValue), Is.EqualTo(new long[] { 1, 28, 28 }));
        });
    }

    [Test]
    public void Export_without_weights_says_the_model_holds_the_fillers_values()
    {
        var run = CommandRun.Run("export", "--model", Lenet, "-o", InFolder("lenet.onnx"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.ErrorLines, Is.EqualTo(new[] { $"note: no --weights; {InFolder("lenet.onnx")} holds the values the model's fillers drew" }));
    }

    [Test]
    public void Import_of_an_export_gives_a_net_that_forward_runs_with_the_same_scores()
    {
        var onnx = InFolder("lenet.onnx");
        Assert.That(CommandRun.Run("export", "--model", Lenet, "--weights", LenetWeights, "-o", onnx, "--input", "data=1,1,28,28").ExitCode, Is.EqualTo(0));

        var run = CommandRun.Run("import", onnx, InFolder("back"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.StartWith($"wrote {InFolder("back.prototxt")} (").And.Contain($"and {InFolder("back.caffemodel")} (431,080 weights) from {onnx} (opset 17, "));
        var input = string.Join(',', Enumerable.Range(0, 784).Select(i => ((i * 37 % 256) / 255.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var one = InFolder("lenet1.prototxt");
        File.WriteAllText(one, File.ReadAllText(Lenet).Replace("dim: 64", "dim: 1", StringComparison.Ordinal));
        var original = CommandRun.Run("forward", "--model", one, "--weights", LenetWeights, "--input", $"data={input}", "--blobs", "prob", "--json");
        Assert.That(original.ExitCode, Is.EqualTo(0), original.Error);
        var imported = CommandRun.Run("forward", "--model", InFolder("back.prototxt"), "--weights", InFolder("back.caffemodel"), "--input", $"data={input}", "--blobs", "prob", "--json");
        Assert.That(imported.ExitCode, Is.EqualTo(0), imported.Error);
        Assert.That(Scores(imported.Output), Is.EqualTo(Scores(original.Output)).Within(1e-5));
    }

    [TestCase("--opset", "12", "--opset 12: LayerNet writes operator sets 13 to 21")]
    [TestCase("--opset", "22", "--opset 22: LayerNet writes operator sets 13 to 21")]
    [TestCase("--input", "nosuch=1,2", "--input nosuch: the net has no input 'nosuch'; its inputs are data")]
    [TestCase("--input", "data=1,0,28,28", "--input 'data=1,0,28,28': dimension '0' is not a positive integer")]
    [TestCase("--input", "data", "--input 'data': expected NAME=SHAPE, e.g. data=1,3,224,224")]
    public void Export_mistakes_are_one_line(string option, string value, string expected)
    {
        var run = CommandRun.Run("export", "--model", Lenet, "-o", InFolder("x.onnx"), option, value);

        run.AssertOneLineError(expected);
        Assert.That(File.Exists(InFolder("x.onnx")), Is.False);
    }

    [Test]
    public void Export_of_a_net_with_a_data_layer_names_it()
    {
        // The Fashion-MNIST LeNet's own train-test file: its test LMDB is there, so the net builds.
        var net = Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt");

        var run = CommandRun.Run("export", "--model", net, "--weights", LenetWeights, "-o", InFolder("x.onnx"));

        run.AssertOneLineError("layer 'mnist' (Data): has no ONNX equivalent: no exporter is registered for layer type 'Data'");
        Assert.That(run.Error, Does.Contain("lenet_train_test.prototxt(19,1): "));
    }

    [Test]
    public void Export_onto_its_own_model_file_is_refused_and_the_file_kept()
    {
        var model = InFolder("lenet.prototxt");
        File.Copy(Lenet, model);

        var run = CommandRun.Run("export", "--model", model, "-o", model);

        run.AssertOneLineError($"--output '{model}' is the model file '{model}'");
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(File.ReadAllBytes(Lenet)));
    }

    [Test]
    public void Import_of_a_file_that_is_not_onnx_is_one_line_and_writes_nothing()
    {
        var notOnnx = InFolder("notes.onnx");
        File.WriteAllText(notOnnx, "these are notes, not a model\n");

        var run = CommandRun.Run("import", notOnnx, InFolder("out"));

        run.AssertOneLineError($"{notOnnx}: not a valid ONNX model (");
        Assert.That(Directory.GetFiles(_folder).Select(Path.GetFileName), Is.EqualTo(new[] { "notes.onnx" }));
    }

    [Test]
    public void Import_of_a_truncated_export_is_one_line()
    {
        var onnx = InFolder("lenet.onnx");
        Assert.That(CommandRun.Run("export", "--model", Lenet, "--weights", LenetWeights, "-o", onnx).ExitCode, Is.EqualTo(0));
        var bytes = File.ReadAllBytes(onnx);
        File.WriteAllBytes(onnx, bytes[..(bytes.Length / 2)]);

        var run = CommandRun.Run("import", onnx, InFolder("out"));

        run.AssertOneLineError($"{onnx}: ");
        Assert.That(File.Exists(InFolder("out.prototxt")) || File.Exists(InFolder("out.caffemodel")), Is.False);
    }

    [Test]
    public void Import_of_a_missing_file_is_one_line()
    {
        CommandRun.Run("import", InFolder("none.onnx"), InFolder("out")).AssertOneLineError($"cannot read '{InFolder("none.onnx")}': no such file");
    }

    // The "prob" values of `forward --json` output.
    private static double[] Scores(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var blob = document.RootElement.GetProperty("blobs").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "prob");
        return [.. blob.GetProperty("data").EnumerateArray().Select(v => v.GetDouble())];
    }
}
