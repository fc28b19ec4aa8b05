using Caffe;
using Google.Protobuf;
using LayerNet.Plugins;
using LayerNet.Runner.Tests.Commands;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Upgrade;

/// <summary>
/// <c>layernet upgrade IN OUT</c> (Caffe's upgrade_net_proto_text, upgrade_net_proto_binary and
/// upgrade_solver_proto_text), and the old zoo files that every command now reads after the automatic upgrade.
/// </summary>
[TestFixture]
public sealed class UpgradeCommandTests
{
    private const string V1Text = """
        name: "tiny"
        input: "x"
        input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
        layers { name: "ip" type: INNER_PRODUCT bottom: "x" top: "y" blobs_lr: 1 blobs_lr: 2 inner_product_param { num_output: 2 } }
        layers { name: "prob" type: SOFTMAX bottom: "y" top: "p" }
        """;

    private const string V2Text = """
        name: "tiny"
        layer { name: "input" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 dim: 1 dim: 1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" param { lr_mult: 1 } param { lr_mult: 2 } inner_product_param { num_output: 2 } }
        layer { name: "prob" type: "Softmax" bottom: "y" top: "p" }
        """;

    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("layernet-upgrade-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_V1_prototxt_is_written_in_the_V2_form_a_person_would_write()
    {
        var (run, output) = Upgrade("old.prototxt", V1Text, "new.prototxt");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output.Trim(), Is.EqualTo($"wrote {output} (NetParameter, upgraded from the V1 format, text)"));
        Assert.That(Parse<NetParameter>(File.ReadAllText(output)), Is.EqualTo(Parse<NetParameter>(V2Text)));
    }

    [Test]
    public void A_V1_caffemodel_is_written_as_a_V2_caffemodel_with_its_weights()
    {
        var input = WriteV1Weights("old.caffemodel");
        var output = Path.Combine(_folder, "new.caffemodel");

        var run = CommandRun.Run("upgrade", input, output);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain("(NetParameter, upgraded from the V1 format, binary)"));
        var upgraded = NetParameter.Parser.ParseFrom(File.ReadAllBytes(output));
        Assert.That(upgraded.Layers, Is.Empty);
        Assert.That(upgraded.Layer.Single().Type, Is.EqualTo("InnerProduct"));
        Assert.That(upgraded.Layer.Single().Blobs[0].Data, Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
    }

    [Test]
    public void The_output_format_follows_the_output_extension()
    {
        var (run, output) = Upgrade("old.prototxt", V1Text, "new.caffemodel");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(NetParameter.Parser.ParseFrom(File.ReadAllBytes(output)), Is.EqualTo(Parse<NetParameter>(V2Text)));
    }

    [Test]
    public void A_current_file_is_written_unchanged_with_a_note()
    {
        var input = Write("current.prototxt", "# a comment protoc would drop\n" + V2Text);
        var output = Path.Combine(_folder, "copy.prototxt");

        var run = CommandRun.Run("upgrade", input, output);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(File.ReadAllBytes(input)));
        Assert.That(run.ErrorLines, Is.EqualTo(new[] { $"note: '{input}' is already in the current format; written unchanged" }));
    }

    [Test]
    public void A_solver_with_solver_type_is_written_with_type()
    {
        var (run, output) = Upgrade("lenet_solver.prototxt", "base_lr: 0.01\nsolver_type: ADAGRAD\nmax_iter: 10\n", "lenet_solver_v2.prototxt");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain("(SolverParameter, upgraded from the deprecated solver_type field"));
        Assert.That(Parse<SolverParameter>(File.ReadAllText(output)), Is.EqualTo(Parse<SolverParameter>("base_lr: 0.01\ntype: \"AdaGrad\"\nmax_iter: 10\n")));
    }

    [Test]
    public void A_V1_net_written_inside_a_solver_is_upgraded_and_its_errors_point_into_the_solver()
    {
        var (run, output) = Upgrade("solver.prototxt", "base_lr: 0.01\nnet_param {\n  layers { name: \"s\" type: SIGMOID bottom: \"x\" top: \"y\" }\n}\n", "solver_v2.prototxt");
        var input = Write("bad_solver.prototxt", "base_lr: 0.01\ntest_net_param {\n  input: \"x\"\n  layers { layer { name: \"c\" type: \"cnv\" } bottom: \"x\" top: \"c\" }\n}\n");

        var failed = CommandRun.Run("upgrade", input, Path.Combine(_folder, "out.prototxt"));

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain("(SolverParameter, upgraded from the V1 format in its net_param, text)"));
        Assert.That(Parse<SolverParameter>(File.ReadAllText(output)).NetParam.Layer.Single().Type, Is.EqualTo("Sigmoid"));
        failed.AssertOneLineError($"{input}(4,3): layer 'c': unknown V0 layer type 'cnv'");
    }

    [Test]
    public void A_solver_giving_both_solver_type_and_type_is_one_line_error()
    {
        var input = Write("solver.prototxt", "type: \"SGD\"\nsolver_type: ADAM\n");

        var run = CommandRun.Run("upgrade", input, Path.Combine(_folder, "out.prototxt"));

        run.AssertOneLineError($"{input}(1,1): the old solver_type field (enum, ADAM) and the new type field (string, \"SGD\") cannot be both specified; give only type");
        Assert.That(File.Exists(Path.Combine(_folder, "out.prototxt")), Is.False);
    }

    [Test]
    public void A_V0_padding_layer_feeding_a_relu_is_one_line_error_at_the_relu()
    {
        var input = Write("v0.prototxt", """
            input: "data"
            input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4
            layers { layer { name: "pad1" type: "padding" pad: 1 } bottom: "data" top: "pad1" }
            layers { layer { name: "relu1" type: "relu" } bottom: "pad1" top: "relu1" }
            """);

        var run = CommandRun.Run("upgrade", input, Path.Combine(_folder, "out.prototxt"));

        run.AssertOneLineError($"{input}(4,1): layer 'relu1' (relu) reads the output of padding layer 'pad1': Padding layer input to non-convolutional / non-pooling layer type relu");
    }

    [Test]
    public void Convert_does_not_upgrade()
    {
        var input = Write("old.prototxt", V1Text);
        var output = Path.Combine(_folder, "old.pb");

        var run = CommandRun.Run("convert", input, output, "--type", "NetParameter");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(NetParameter.Parser.ParseFrom(File.ReadAllBytes(output)).Layers, Has.Count.EqualTo(2));
    }

    [Test]
    public void The_help_lists_upgrade()
    {
        var run = CommandRun.Run("--help");

        Assert.That(run.Output, Does.Contain("upgrade"));
        Assert.That(run.Output, Does.Contain("upgrade_net_proto_text"));
    }

    [TestCase("vgg19_v1_deploy.prototxt", "V1", "blob prob [1 1000 (1000)]")]
    [TestCase("rcnn_v0_pascal_finetune_deploy.prototxt", "V0", "blob prob [1 21 (21)]")]
    public void An_old_zoo_file_runs_forward_after_the_automatic_upgrade_and_says_so_once(string file, string format, string lastBlob)
    {
        // The zoo file as published, with a batch of one image instead of ten, to keep the test quick.
        var text = File.ReadAllText(Fixtures.File("zoo", file)).Replace("input_dim: 10\n", "input_dim: 1\n", StringComparison.Ordinal);
        Assert.That(text, Does.Contain("input_dim: 1\n"));
        Write(file, text);

        var run = RunnerProcess.Run(_folder, "forward", "--model", file);

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain(lastBlob));
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
        Assert.That(run.ErrorLines[0], Does.Match($@"^W\d{{8}} [0-9:.]+ \d+ net\] '{file}' uses the {format} format; it was upgraded in memory \(save the upgraded form with: layernet upgrade {file} OUT\)$"));
    }

    [Test]
    public void A_V2_file_is_read_without_a_note()
    {
        Write("v2.prototxt", V2Text);

        var run = RunnerProcess.Run(_folder, "forward", "--model", "v2.prototxt");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Error, Is.Empty);
    }

    [Test]
    public void A_V1_caffemodel_given_to_forward_loads_its_weights_and_says_so_once()
    {
        WriteV1Weights("old.caffemodel");
        Write("v2.prototxt", V2Text);

        var run = RunnerProcess.Run(_folder, "forward", "--model", "v2.prototxt", "--weights", "old.caffemodel", "--input", "x=1,1,1");

        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        Assert.That(run.Output, Does.Contain("blob y [1 2 (2)]\n  data: 7 17"));
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.Error);
        Assert.That(run.ErrorLines[0], Does.EndWith("net] 'old.caffemodel' uses the V1 format; it was upgraded in memory (save the upgraded form with: layernet upgrade old.caffemodel OUT)"));
    }

    private static T Parse<T>(string text)
        where T : IMessage<T>, new() =>
        ParameterExtensions.None.Reader.Parse<T>(text);

    // Runs `layernet upgrade` on a file of this text, writing OUT in the folder.
    private (CommandRun Run, string Output) Upgrade(string inName, string text, string outName)
    {
        var output = Path.Combine(_folder, outName);
        return (CommandRun.Run("upgrade", Write(inName, text), output), output);
    }

    // A V1 caffemodel of one InnerProduct layer 'ip' (2 outputs of 3 inputs): weights 1..6, biases 1 and 2.
    private string WriteV1Weights(string name)
    {
        var layer = new V1LayerParameter { Name = "ip", Type = V1LayerParameter.Types.LayerType.InnerProduct, Bottom = { "x" }, Top = { "y" } };
        layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 2, 3 } }, Data = { 1, 2, 3, 4, 5, 6 } });
        layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 2 } }, Data = { 1, 2 } });
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, new NetParameter { Name = "trained", Layers = { layer } }.ToByteArray());
        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
