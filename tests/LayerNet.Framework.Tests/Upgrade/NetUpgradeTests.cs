using Caffe;
using LayerNet.Errors;
using LayerNet.Files;
using LayerNet.Framework.Tests.Nets;
using LayerNet.Framework.Tests.Solvers;
using LayerNet.Plugins;
using LayerNet.Solvers;

namespace LayerNet.Framework.Tests.Upgrade;

/// <summary>
/// Caffe's upgrade_proto, step by step (test_upgrade_proto.cpp's cases in small): V0 padding layers folded, V0 fields
/// moved, V1 enum types and blobs_lr/weight_decay, transformation fields, input fields, BatchNorm's param specs; the
/// upgraded layers keep their places in the file, and a file read says once that it was upgraded.
/// </summary>
public sealed class NetUpgradeTests
{
    private const string V0WithPadding = """
        name: "v0"
        input: "data"
        input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4
        layers {
          layer { name: "pad1" type: "padding" pad: 2 }
          bottom: "data" top: "pad1"
        }
        layers {
          layer {
            name: "conv1" type: "conv" num_output: 2 kernelsize: 3 stride: 1 biasterm: false
            weight_filler { type: "constant" value: 1 }
            blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
          }
          bottom: "pad1" top: "conv1"
        }
        layers {
          layer { name: "pad2" type: "padding" pad: 1 }
          bottom: "conv1" top: "pad2"
        }
        layers {
          layer { name: "pool1" type: "pool" pool: AVE kernelsize: 2 stride: 2 }
          bottom: "pad2" top: "pool1"
        }
        layers {
          layer { name: "relu1" type: "relu" }
          bottom: "pool1" top: "pool1"
        }
        """;

    private const string V0WithPaddingUpgraded = """
        name: "v0"
        layer { name: "input" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } } }
        layer {
          name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
          convolution_param { num_output: 2 bias_term: false pad: 2 kernel_size: 3 stride: 1 weight_filler { type: "constant" value: 1 } }
        }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: AVE pad: 1 kernel_size: 2 stride: 2 } }
        layer { name: "relu1" type: "ReLU" bottom: "pool1" top: "pool1" }
        """;

    private const string V1Net = """
        name: "v1"
        layers {
          name: "data" type: DATA top: "data" top: "label"
          data_param { source: "db" batch_size: 4 scale: 0.5 mean_file: "mean.binaryproto" crop_size: 3 mirror: true }
          include { phase: TRAIN }
        }
        layers {
          name: "ip" type: INNER_PRODUCT bottom: "data" top: "ip"
          blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0 param: "w" param: "b" blob_share_mode: PERMISSIVE
          inner_product_param { num_output: 10 }
        }
        layers {
          name: "loss" type: SOFTMAX_LOSS bottom: "ip" bottom: "label" top: "loss"
          loss_weight: 2 exclude { stage: "deploy" } loss_param { ignore_label: 3 }
        }
        """;

    private const string V1NetUpgraded = """
        name: "v1"
        layer {
          name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
          transform_param { scale: 0.5 mean_file: "mean.binaryproto" crop_size: 3 mirror: true }
          data_param { source: "db" batch_size: 4 }
        }
        layer {
          name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
          param { name: "w" lr_mult: 1 decay_mult: 1 share_mode: PERMISSIVE } param { name: "b" lr_mult: 2 decay_mult: 0 }
          inner_product_param { num_output: 10 }
        }
        layer {
          name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss"
          loss_weight: 2 exclude { stage: "deploy" } loss_param { ignore_label: 3 }
        }
        """;

    [Test]
    public void V0_padding_layers_fold_into_the_convolution_and_the_pooling_they_feed()
    {
        var upgraded = NetUpgrade.Upgrade(TestNets.Parse(V0WithPadding).Message);

        Assert.That(upgraded, Is.EqualTo(TestNets.Parse(V0WithPaddingUpgraded).Message));
    }

    [Test]
    public void A_V0_net_builds_with_the_padding_applied()
    {
        var net = TestNets.Build(V0WithPadding, Phase.Test);

        Assert.That(net.Blob("conv1").Shape, Is.EqualTo(new[] { 1, 2, 6, 6 }), "pad 2 around 4x4, kernel 3");
        Assert.That(net.Blob("pool1").Shape, Is.EqualTo(new[] { 1, 2, 4, 4 }), "pad 1 around 6x6, kernel 2, stride 2");
    }

    [Test]
    public void Upgraded_layers_keep_the_place_of_their_old_blocks_and_a_folded_padding_layer_has_none()
    {
        var document = TestNets.Parse(V0WithPadding);
        var notes = new List<string>();

        var (net, source) = NetUpgrade.Upgrade(document.Message, document.Source, TestNets.FileName, definition: true, notes);

        var blocks = LinesOf(V0WithPadding, "layers {");
        Assert.That(net.Layer.Select(layer => layer.Name), Is.EqualTo(new[] { "input", "conv1", "pool1", "relu1" }));
        Assert.That(source!.Child(NetParameter.LayerFieldNumber, 0)?.Position.Line, Is.EqualTo(1), "the Input layer: where the net begins");
        Assert.That(source.Child(NetParameter.LayerFieldNumber, 1)?.Position.Line, Is.EqualTo(blocks[1]), "conv1");
        Assert.That(source.Child(NetParameter.LayerFieldNumber, 2)?.Position.Line, Is.EqualTo(blocks[3]), "pool1");
        Assert.That(source.Child(NetParameter.LayerFieldNumber, 3)?.Position.Line, Is.EqualTo(blocks[4]), "relu1");
        Assert.That(notes, Is.Empty);
    }

    [Test]
    public void A_padding_layer_feeding_another_type_is_the_error_Caffe_stops_on_at_that_layer()
    {
        var text = V0("""
            layers { layer { name: "pad1" type: "padding" pad: 1 } bottom: "data" top: "pad1" }
            """, """
            layers { layer { name: "relu1" type: "relu" } bottom: "pad1" top: "relu1" }
            """);

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Does.StartWith("net.prototxt(4,1): layer 'relu1' (relu) reads the output of padding layer 'pad1': "));
        Assert.That(error.Message, Does.Contain("Padding layer input to non-convolutional / non-pooling layer type relu"));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void A_padding_layer_with_two_tops_is_refused_at_the_padding_layer()
    {
        var text = V0("""
            layers { layer { name: "pad1" type: "padding" pad: 1 } bottom: "data" top: "pad1" top: "other" }
            """, """
            layers { layer { name: "conv1" type: "conv" num_output: 1 kernelsize: 1 } bottom: "pad1" top: "conv1" }
            """);

        var error = Assert.Throws<LayerNetException>(() => NetUpgrade.Upgrade(TestNets.Parse(text), definition: true));

        Assert.That(error.Message, Does.StartWith("net.prototxt(3,1): padding layer 'pad1' has 1 bottoms and 2 tops"));
    }

    [Test]
    public void An_unknown_V0_type_is_an_error_at_its_layer()
    {
        var text = V0("""
            layers { layer { name: "c" type: "cnv" } bottom: "data" top: "c" }
            """);

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Does.StartWith("net.prototxt(3,1): layer 'c': unknown V0 layer type 'cnv'"));
        Assert.That(error.Message, Does.Contain("conv"));
    }

    [Test]
    public void A_V0_bottom_nothing_produces_is_an_error_at_its_layer()
    {
        const string text = """
            layers { layer { name: "r" type: "relu" } bottom: "missing" top: "r" }
            """;

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Does.StartWith("net.prototxt(1,1): layer 'r' (relu): unknown bottom blob 'missing'"));
    }

    [Test]
    public void A_V0_field_the_type_does_not_take_is_dropped_with_a_note_as_Caffe_logs_it()
    {
        var text = V0("""
            layers { layer { name: "r" type: "relu" num_output: 3 } bottom: "data" top: "r" }
            """);
        var notes = new List<string>();

        var upgraded = NetUpgrade.Upgrade(TestNets.Parse(text).Message, TestNets.FileName, notes: notes);

        Assert.That(notes, Is.EqualTo(new[] { "net.prototxt: layer 'r': the V0 field num_output does not apply to a 'relu' layer; dropped, as Caffe drops it" }));
        Assert.That(upgraded.Layer[1].Type, Is.EqualTo("ReLU"));
        Assert.That(upgraded.Layer[1].InnerProductParam, Is.Null);
    }

    [Test]
    public void V0_data_fields_go_to_data_param_and_transform_param()
    {
        const string text = """
            layers { layer { name: "d" type: "data" source: "db" batchsize: 8 cropsize: 5 mirror: true scale: 0.25 meanfile: "m" rand_skip: 3 } top: "data" }
            """;

        var upgraded = NetUpgrade.Upgrade(TestNets.Parse(text).Message);

        Assert.That(upgraded.Layer.Single(), Is.EqualTo(TestNets.Parse("""
            layer {
              name: "d" type: "Data" top: "data"
              transform_param { scale: 0.25 mean_file: "m" crop_size: 5 mirror: true }
              data_param { source: "db" batch_size: 8 rand_skip: 3 }
            }
            """).Message.Layer.Single()));
    }

    [Test]
    public void V1_layers_become_V2_layers_with_param_specs_and_transform_param()
    {
        var upgraded = NetUpgrade.Upgrade(TestNets.Parse(V1Net).Message);

        Assert.That(upgraded, Is.EqualTo(TestNets.Parse(V1NetUpgraded).Message));
    }

    [TestCase("ABSVAL", "AbsVal")]
    [TestCase("IM2COL", "Im2col")]
    [TestCase("SOFTMAX_LOSS", "SoftmaxWithLoss")]
    [TestCase("TANH", "TanH")]
    [TestCase("HDF5_DATA", "HDF5Data")]
    [TestCase("DECONVOLUTION", "Deconvolution")]
    [TestCase("SIGMOID_CROSS_ENTROPY_LOSS", "SigmoidCrossEntropyLoss")]
    [TestCase("NONE", "")]
    public void Each_V1_type_gets_Caffes_type_name(string v1, string v2)
    {
        var upgraded = NetUpgrade.Upgrade(TestNets.Parse($"layers {{ name: \"x\" type: {v1} }}").Message);

        Assert.That(upgraded.Layer.Single().Type, Is.EqualTo(v2));
    }

    [Test]
    public void The_upgrade_leaves_the_net_it_was_given_unchanged()
    {
        var original = TestNets.Parse(V1Net).Message;
        var copy = original.Clone();

        NetUpgrade.Upgrade(original);

        Assert.That(original, Is.EqualTo(copy));
    }

    [Test]
    public void A_V1_net_built_from_a_file_points_its_errors_at_the_old_block()
    {
        const string text = """
            name: "v1"
            input: "x"
            input_dim: 1 input_dim: 3 input_dim: 1 input_dim: 1
            layers {
              name: "ip" type: INNER_PRODUCT bottom: "x" top: "y"
              inner_product_param { num_output: 2 }
            }
            layers {
              name: "sig" type: SIGMOID bottom: "nothing" top: "z"
            }
            """;

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Does.StartWith($"net.prototxt({LinesOf(text, "layers {")[1]},1): layer 'sig'"));
        Assert.That(error.Message, Does.Contain("unknown bottom blob 'nothing'"));
    }

    [Test]
    public void Input_fields_become_an_Input_layer_first_in_the_net()
    {
        var upgraded = NetUpgrade.Upgrade(TestNets.Parse("""
            name: "n"
            layer { name: "s" type: "Sigmoid" bottom: "a" top: "b" }
            input: "a"
            input_shape { dim: 2 dim: 3 }
            input: "l"
            input_shape { dim: 2 }
            """).Message);

        Assert.That(upgraded, Is.EqualTo(TestNets.Parse("""
            name: "n"
            layer { name: "input" type: "Input" top: "a" top: "l" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }
            layer { name: "s" type: "Sigmoid" bottom: "a" top: "b" }
            """).Message));
    }

    [Test]
    public void Input_names_without_shapes_are_dropped_from_weights_and_refused_in_a_definition()
    {
        var weights = TestNets.Parse("input: \"data\"\nlayer { name: \"ip\" type: \"InnerProduct\" bottom: \"data\" top: \"y\" }\n").Message;

        var upgraded = NetUpgrade.Upgrade(weights, definition: false);

        Assert.That(upgraded.Input, Is.Empty);
        Assert.That(upgraded.Layer.Select(layer => layer.Name), Is.EqualTo(new[] { "ip" }));
        Assert.That(() => NetUpgrade.Upgrade(weights, "deploy.prototxt"), Throws.TypeOf<LayerNetException>().With.Message.EqualTo(
            "deploy.prototxt: net '' names inputs without their shapes; add input_shape (or input_dim) for each input"));
    }

    [Test]
    public void BatchNorm_with_the_three_old_param_specs_loses_them()
    {
        const string text = """
            layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" param { lr_mult: 0 } param { lr_mult: 0 } param { lr_mult: 0 } }
            layer { name: "bn2" type: "BatchNorm" bottom: "x" top: "x" param { lr_mult: 0 } }
            """;
        var net = TestNets.Parse(text).Message;

        var upgraded = NetUpgrade.Upgrade(net);

        Assert.That(NetUpgrade.NeedsUpgrade(net), Is.True);
        Assert.That(upgraded.Layer[0].Param, Is.Empty);
        Assert.That(upgraded.Layer[1].Param, Has.Count.EqualTo(1), "only a BatchNorm with three specs is upgraded");
        Assert.That(NetUpgrade.NeedsUpgrade(upgraded), Is.False);
    }

    [Test]
    public void A_current_net_needs_no_upgrade_and_is_described_as_nothing_old()
    {
        var net = TestNets.Parse(V1NetUpgraded).Message;

        Assert.That(NetUpgrade.NeedsUpgrade(net), Is.False);
        Assert.That(NetUpgrade.DeprecatedForm(net), Is.Null);
    }

    [Test]
    public void V1_weights_in_a_binary_caffemodel_load_into_a_V2_net_of_the_same_layer_names()
    {
        var folder = Directory.CreateTempSubdirectory("layernet-upgrade-").FullName;
        try
        {
            var old = new NetParameter { Name = "old" };
            var layer = new V1LayerParameter { Name = "ip", Type = V1LayerParameter.Types.LayerType.InnerProduct, Bottom = { "x" }, Top = { "y" } };
            layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 2, 3 } }, Data = { 1, 2, 3, 4, 5, 6 } });
            layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 2 } }, Data = { 7, 8 } });
            old.Layers.Add(layer);
            var path = Path.Combine(folder, "old.caffemodel");
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(old));
            var net = TestNets.Build("""
                layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 } } }
                layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }
                """, Phase.Test);
            using var log = new StringWriter();

            net.CopyTrainedLayersFrom(MessageFile.ReadWeights(path, ParameterExtensions.None, new TrainingLog(log)));
            net.Blob("x").Data.Fill(1f);
            net.Forward();

            Assert.That(net.Blob("y").Data.ToArray(), Is.EqualTo(new[] { 1f + 2f + 3f + 7f, 4f + 5f + 6f + 8f }));
            Assert.That(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
            Assert.That(log.ToString(), Does.Contain($"net] '{path}' uses the V1 format; it was upgraded in memory (save the upgraded form with: layernet upgrade {path} OUT)"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_net_file_read_says_once_that_it_was_upgraded_and_a_current_one_says_nothing()
    {
        using var folder = new TemporaryFolder();
        var old = folder.Write("v1.prototxt", V1Net);
        var current = folder.Write("v2.prototxt", V1NetUpgraded);
        using var log = new StringWriter();

        var document = MessageFile.ReadNetDocument(old, ParameterExtensions.None, new TrainingLog(log));
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        MessageFile.ReadNetDocument(current, ParameterExtensions.None, new TrainingLog(log));

        Assert.That(document.Message, Is.EqualTo(TestNets.Parse(V1NetUpgraded).Message));
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Match(@"^W\d{8} \d\d:\d\d:\d\d\.\d{6} \d+ net\] '.*v1\.prototxt' uses the V1 format; it was upgraded in memory \(save the upgraded form with: layernet upgrade .*v1\.prototxt OUT\)$"));
        Assert.That(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "the V2 file adds nothing");
    }

    [Test]
    public void A_net_built_in_code_from_an_old_definition_is_upgraded_with_one_warning()
    {
        var parameter = TestNets.Parse("name: \"code\"\ninput: \"x\"\ninput_shape { dim: 2 }\nlayers { name: \"s\" type: SIGMOID bottom: \"x\" top: \"y\" }\n").Message;
        using var log = new StringWriter();

        var net = new LayerNet.Nets.Net(parameter, TestNets.Factory, new LayerNet.Nets.NetOptions { Log = new TrainingLog(log) });

        Assert.That(net.Layers.Select(layer => layer.Type), Is.EqualTo(new[] { "Input", "Sigmoid" }));
        Assert.That(net.Parameter.Layers, Is.Empty, "the net keeps the upgraded definition");
        Assert.That(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
        Assert.That(log.ToString(), Does.Contain("net] net 'code' uses the V1 format; it was upgraded in memory"));
    }

    [Test]
    public void A_solver_reading_one_old_net_file_for_its_train_and_test_nets_says_so_once()
    {
        using var folder = new TemporaryFolder();
        folder.Write("v1.prototxt", """
            name: "tiny"
            layers { name: "d" type: DUMMY_DATA top: "x" top: "y" dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 } } }
            layers { name: "ip" type: INNER_PRODUCT bottom: "x" top: "p" inner_product_param { num_output: 1 } blobs_lr: 1 blobs_lr: 2 }
            layers { name: "loss" type: EUCLIDEAN_LOSS bottom: "p" bottom: "y" top: "l" }
            """);
        var solverFile = folder.Write("solver.prototxt", "net: \"v1.prototxt\"\nbase_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 1\ntest_iter: 1\ntest_interval: 1\n");
        using var log = new StringWriter();

        var solver = TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile, log);

        Assert.That(solver.TestNets, Has.Count.EqualTo(1));
        Assert.That(solver.Net.ParamLrMults, Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(CountOf(log.ToString(), "uses the V1 format"), Is.EqualTo(1), log.ToString());
    }

    [Test]
    public void An_old_net_written_inside_a_solver_file_is_upgraded_and_said_once()
    {
        using var folder = new TemporaryFolder();
        var solverFile = folder.Write("solver.prototxt", """
            net_param {
              name: "inline"
              layers { name: "d" type: DUMMY_DATA top: "x" top: "y" dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 dim: 1 } } }
              layers { name: "ip" type: INNER_PRODUCT bottom: "x" top: "p" inner_product_param { num_output: 1 } }
              layers { name: "loss" type: EUCLIDEAN_LOSS bottom: "p" bottom: "nothing" top: "l" }
            }
            base_lr: 0.01
            lr_policy: "fixed"
            test_iter: 1
            test_interval: 1
            """);
        using var log = new StringWriter();

        var error = Assert.Throws<LayerNetException>(() => TrainingRun.Create(TrainingRun.ReadSolver(solverFile), solverFile, log));

        Assert.That(error.Message, Does.StartWith($"{solverFile}(5,3): layer 'loss'"), "the error points at the old block inside the solver file");
        Assert.That(CountOf(log.ToString(), $"'{solverFile}' uses the V1 format in its net_param; it was upgraded in memory"), Is.EqualTo(1), log.ToString());
    }

    // A V0 net of the given layers blocks, after two lines giving the input 'data' (1x1x4x4).
    private static string V0(params string[] layers) =>
        "input: \"data\"\ninput_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4\n" + string.Join("\n", layers) + "\n";

    private static int[] LinesOf(string text, string marker) =>
        [.. text.Split('\n').Select((line, index) => (line, index)).Where(entry => entry.line.Contains(marker, StringComparison.Ordinal)).Select(entry => entry.index + 1)];

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
