using LayerNet.Runner.Tests.Commands;
using LayerNet.Testing;

namespace LayerNet.Runner.Tests.Pictures;

/// <summary>
/// <c>layernet draw</c> reads the model without its data (issue 14 item 5): a missing LMDB, image list, HDF5 source,
/// IDX file or mean file draws the net from its definition, without shapes; a net that builds is drawn as before.
/// </summary>
public sealed partial class DrawCommandTests
{
    [Test]
    public void A_lenet_whose_lmdb_is_missing_draws_every_layer_of_its_phase_without_shapes()
    {
        var model = Fixtures.File("caffe-prototxt", "examples_mnist_lenet_train_test.prototxt");

        var (trainRun, train, trainText) = DrawDot(model);
        var (testRun, test, testText) = DrawDot(model, "--phase", "test");

        Assert.Multiple(() =>
        {
            Assert.That(trainRun.Error, Is.Empty);
            Assert.That(trainRun.OutputLines, Is.EqualTo(new[] { $"wrote {train} (9 layers, 10 blob values; no shapes: layer 'mnist': data_param.source 'examples/mnist/mnist_train_lmdb' not found)" }));
            Assert.That(testRun.OutputLines, Is.EqualTo(new[] { $"wrote {test} (10 layers, 11 blob values; no shapes: layer 'mnist': data_param.source 'examples/mnist/mnist_test_lmdb' not found)" }));
            foreach (var layer in new[] { "mnist", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss" })
            {
                Assert.That(trainText, Does.Contain($"<B>{layer}</B>"), layer);
                Assert.That(testText, Does.Contain($"<B>{layer}</B>"), layer);
            }

            Assert.That(trainText, Does.StartWith("digraph \"LeNet\" {").And.Contain("LeNet (TRAIN)"));
            Assert.That(testText, Does.Contain("LeNet (TEST)"));
            Assert.That(trainText, Does.Not.Contain("<B>accuracy</B>"), "accuracy is a TEST layer");
            Assert.That(testText, Does.Contain("<B>accuracy</B>"));
            Assert.That(trainText, Does.Contain("batch 64, LMDB").And.Contain("mnist_train_lmdb").And.Contain("scale 0.003906"));
            Assert.That(testText, Does.Contain("batch 100, LMDB").And.Contain("mnist_test_lmdb"));
            Assert.That(trainText, Does.Contain("num_output 20").And.Contain("kernel 5×5, stride 1, pad 0").And.Contain("MAX 2×2, stride 2, pad 0"));

            // SoftmaxWithLoss weighs its loss 1 as the built net would; relu1 writes ip1 in place.
            Assert.That(trainText, Does.Contain("loss_weight 1"));
            Assert.That(trainText, Does.Contain("in place: relu1 overwrites it").And.Contain("\"blob 6.1\""));

            // No shapes: neither the blobs' nor the weights'.
            Assert.That(trainText, Does.Not.Contain("64×1×28×28").And.Not.Contain("weights "));

            // No split: ip2 (blob 7) feeds accuracy (layer 8) and loss (layer 9) directly, as in the definition.
            Assert.That(testText, Does.Not.Contain("split"));
            Assert.That(testText, Does.Contain("\"blob 7.0\" -> \"layer 8\";").And.Contain("\"blob 7.0\" -> \"layer 9\";"));
            Assert.That(testText, Does.Contain("\"blob 1.0\" -> \"layer 8\";").And.Contain("\"blob 1.0\" -> \"layer 9\";"));
        });
    }

    [Test]
    public void The_same_lenet_is_built_with_shapes_in_the_phase_whose_lmdb_is_there()
    {
        // Caffe's Fashion-MNIST LeNet ships its test LMDB only: TEST builds (shapes, the inserted split), TRAIN does not.
        var model = Fixtures.File("caffe", "lenet_fashion", "lenet_train_test.prototxt");

        var (testRun, _, testText) = DrawDot(model, "--phase", "test");
        var (trainRun, _, trainText) = DrawDot(model, "--phase", "train");

        Assert.Multiple(() =>
        {
            Assert.That(testRun.Output, Does.Not.Contain("no shapes"));
            Assert.That(testText, Does.Contain("100×1×28×28").And.Contain("weights 20×1×5×5").And.Contain("inserted: ip2 feeds 2 layers"));
            Assert.That(trainRun.Output, Does.Contain("no shapes: layer 'mnist': data_param.source 'fashion_mnist_train_lmdb' not found"));
            Assert.That(trainText, Does.Contain("<B>conv1</B>").And.Not.Contain("×1×28×28").And.Not.Contain("weights 20"));
        });
    }

    [Test]
    public void An_image_data_net_whose_list_is_missing_draws()
    {
        var model = Model("""
            name: "Photos"
            layer {
              name: "photos" type: "ImageData" top: "data" top: "label"
              transform_param { crop_size: 24 mirror: true mean_value: 104 mean_value: 117 mean_value: 123 }
              image_data_param { source: "no_such_list.txt" root_folder: "photos/" new_height: 32 new_width: 32 batch_size: 8 shuffle: true }
            }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
            layer { name: "fc" type: "InnerProduct" bottom: "conv" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """);

        var (run, dot, text) = DrawDot(model);

        Assert.Multiple(() =>
        {
            Assert.That(run.Error, Is.Empty);
            Assert.That(run.OutputLines, Is.EqualTo(new[] { $"wrote {dot} (5 layers, 6 blob values; no shapes: layer 'photos': image_data_param.source 'no_such_list.txt' not found)" }));
            Assert.That(text, Does.Contain("<B>photos</B>").And.Contain("ImageData").And.Contain("batch 8").And.Contain("no_such_list.txt"));
            Assert.That(text, Does.Contain("crop 24, mirror, mean subtracted"));
            Assert.That(text, Does.Contain("<B>conv</B>").And.Contain("<B>relu</B>").And.Contain("<B>fc</B>").And.Contain("<B>loss</B>"));
            Assert.That(text, Does.Contain("in place: relu overwrites it"));
        });
    }

    [TestCase("""type: "HDF5Data" top: "data" top: "label" hdf5_data_param { source: "missing_h5_list.txt" batch_size: 4 }""", "hdf5_data_param.source 'missing_h5_list.txt'")]
    [TestCase("""type: "IdxData" top: "data" top: "label" [layernet.idx_data_param] { images: "missing-images-idx3-ubyte.gz" labels: "missing-labels.gz" batch_size: 4 }""", "idx_data_param.images 'missing-images-idx3-ubyte.gz'")]
    [TestCase("""type: "WindowData" top: "data" top: "label" window_data_param { source: "missing_windows.txt" batch_size: 4 }""", "window_data_param.source 'missing_windows.txt'")]
    [TestCase("""type: "Data" top: "data" top: "label" transform_param { mean_file: "missing_mean.binaryproto" } data_param { source: "." backend: LMDB batch_size: 4 }""", "transform_param.mean_file 'missing_mean.binaryproto'")]
    public void Every_missing_data_file_draws_the_definition_of_the_phase(string dataLayer, string named)
    {
        var model = Model($$"""
            name: "Sources"
            layer { name: "source" {{dataLayer}} }
            layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 } }
            layer { name: "train_only" type: "Sigmoid" bottom: "fc" top: "s" include { phase: TRAIN } }
            layer { name: "not_in_train" type: "TanH" bottom: "fc" top: "t" exclude { phase: TRAIN } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """);

        var (run, _, text) = DrawDot(model);

        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.Contain($"no shapes: layer 'source': {named} not found"));
            Assert.That(text, Does.Contain("<B>source</B>").And.Contain("<B>fc</B>").And.Contain("<B>train_only</B>").And.Contain("<B>loss</B>"));
            Assert.That(text, Does.Not.Contain("not_in_train"));
        });
    }

    [Test]
    public void Values_still_need_the_data()
    {
        var model = Fixtures.File("caffe-prototxt", "examples_mnist_lenet_train_test.prototxt");

        var run = CommandRun.Run("draw", "--model", model, "--values", "-o", Path.Combine(_folder, "lenet.dot"));

        run.AssertOneLineError("data_param.source 'examples/mnist/mnist_train_lmdb' not found");
        Assert.That(Path.Combine(_folder, "lenet.dot"), Does.Not.Exist);
    }

    [Test]
    public void A_definition_drawn_without_data_still_refuses_an_unknown_bottom()
    {
        var model = Model("""
            name: "Broken"
            layer { name: "d" type: "Data" top: "data" data_param { source: "missing_lmdb" backend: LMDB batch_size: 4 } }
            layer { name: "fc" type: "InnerProduct" bottom: "dta" top: "fc" inner_product_param { num_output: 2 } }
            """);

        var run = CommandRun.Run("draw", "--model", model, "-o", Path.Combine(_folder, "net.dot"));

        run.AssertOneLineError("net.prototxt(3,1): layer 'fc' (InnerProduct): unknown bottom blob 'dta' (bottom 0); no earlier layer produces it");
    }

    [TestCase("zoo/mtcnn_det3.prototxt", "test", false, "mtcnn_det3.dot")]
    [TestCase("caffe-prototxt/examples_mnist_lenet.prototxt", "train", false, "mnist_lenet.dot")]
    [TestCase("caffe/lenet_fashion/lenet_train_test.prototxt", "test", false, "lenet_fashion_test.dot")]
    [TestCase("caffe/lenet_fashion/lenet_train_test.prototxt", "test", true, "lenet_fashion_test_values.dot")]
    public void A_net_that_builds_draws_exactly_as_before(string model, string phase, bool values, string expected)
    {
        // The .dot files were written by `layernet draw` before it read models without their data.
        string[] options = ["--phase", phase];

        var (_, _, text) = DrawDot(Fixtures.File(model.Split('/')), values ? [.. options, "--values"] : options);

        Assert.That(text, Is.EqualTo(File.ReadAllText(Fixtures.InRepository("tests", "LayerNet.Runner.Tests", "Pictures", "Drawn", expected))));
    }

    private string Model(string text)
    {
        var model = Path.Combine(_folder, "net.prototxt");
        File.WriteAllText(model, text);
        return model;
    }

    // Draws the model to a new .dot file in the test's folder; the run must succeed.
    private (CommandRun Run, string Path, string Text) DrawDot(string model, params string[] options)
    {
        var dot = Path.Combine(_folder, $"drawing{Directory.GetFiles(_folder, "*.dot").Length}.dot");
        var run = CommandRun.Run(["draw", "--model", model, .. options, "-o", dot]);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        return (run, dot, File.ReadAllText(dot));
    }
}
