using Caffe;
using LayerNet.Files;
using LayerNet.Layers.Onnx;
using LayerNet.Nets;
using LayerNet.Onnx;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Layers.Tests.Zoo;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Every deploy net among the fixtures (Caffe's examples and models with an Input layer or input fields, and the zoo's
/// real files but MobileNet-SSD, which needs the SSD fork's layers) exports to ONNX, runs in ONNX Runtime with
/// LayerNet's outputs, imports back and runs again with the same outputs. The weights are drawn He-scaled (the files
/// come without theirs; uniform weights would overflow the deep nets), BatchNorm's statistics sane; the inputs run at
/// batch 1. MTCNN's O-Net runs with its real weights on its real input.
/// </summary>
[NonParallelizable]
public sealed class FixtureNetsOnnxTests
{
    private static readonly string[] CaffeDeployNets =
    [
        "examples_cifar10_cifar10_full.prototxt", "examples_cifar10_cifar10_quick.prototxt", "examples_mnist_lenet.prototxt",
        "examples_net_surgery_bvlc_caffenet_full_conv.prototxt", "examples_net_surgery_conv.prototxt",
        "examples_siamese_mnist_siamese.prototxt", "models_bvlc_alexnet_deploy.prototxt", "models_bvlc_googlenet_deploy.prototxt",
        "models_bvlc_reference_caffenet_deploy.prototxt", "models_bvlc_reference_rcnn_ilsvrc13_deploy.prototxt",
        "models_finetune_flickr_style_deploy.prototxt",
    ];

    private static readonly string[] ZooNets =
    [
        "hed_deploy.prototxt", "mobilenet_v2_deploy.prototxt", "mtcnn_det1.prototxt", "mtcnn_det3.prototxt",
        "openpose_coco.prototxt", "rcnn_v0_pascal_finetune_deploy.prototxt", "resnet50_deploy.prototxt",
        "squeezenet_v1.1_deploy.prototxt", "vgg19_v1_deploy.prototxt",
    ];

    private static IEnumerable<TestCaseData> Nets() =>
        CaffeDeployNets.Select(f => new TestCaseData("caffe-prototxt", f).SetArgDisplayNames(f))
            .Concat(ZooNets.Select(f => new TestCaseData("zoo", f).SetArgDisplayNames(f)));

    [TestCaseSource(nameof(Nets))]
    public void ExportsRunsInOnnxRuntimeWithLayerNetsOutputsAndImportsBackToTheSameOutputs(string folder, string file)
    {
        var net = Build(Fixtures.File(folder, file));
        DrawWeights(net, seed: 5);

        var model = OnnxCheck.AssertSameOutputs(net);
        Assert.That(model.Graph.Output.Select(o => o.Name), Is.EquivalentTo(net.Outputs.Select(o => o.Name)));

        // Back to Caffe: the imported net, given the same inputs, gives the original's outputs (built from the import as
        // it is; the test of `layernet import` writes and reads the files).
        var imported = ImportCheck.Build(OnnxImport.Import(model, ImportCheck.Layers), throughBytes: false);
        foreach (var input in net.Inputs)
        {
            input.Data.CopyTo(imported.Blob(input.Name).Data);
        }

        imported.Forward();
        foreach (var output in net.Outputs)
        {
            var blob = imported.Blob(output.Name);
            OnnxCheck.AssertClose(output.Name, blob.Data.ToArray(), [.. blob.Shape], output.Data.ToArray(), [.. output.Shape]);
        }
    }

    // The lecture's nets: the circuit f = (x + y) z (its inputs constants of a DummyData layer, so the ONNX graph has
    // none) gives -12; the sigmoid neuron (x a Parameter layer) gives 0.73; both import back.
    [TestCase("circuit.prototxt", "f", -12f)]
    [TestCase("sigmoid_neuron.prototxt", "f", 0.7310586f)]
    public void TheLecturesCircuitsRunInOnnxRuntime(string file, string output, float expected)
    {
        var net = Build(Fixtures.InRepository("models", "lecture", file));

        var ort = OnnxCheck.Run(OnnxCheck.AssertSameOutputs(net), net);

        Assert.That(ort[output].Values, Is.EqualTo(new[] { expected }).Within(1e-6f));
        var imported = ImportCheck.Build(OnnxImport.Import(OnnxCheck.Export(net), ImportCheck.Layers));
        imported.Forward();
        Assert.That(imported.Blob(output).Data.ToArray(), Is.EqualTo(new[] { expected }).Within(1e-6f));
    }

    // The lecture's two-layer net, as a deploy file, with the weights Caffe trained (two_layer_iter_2000.caffemodel), on
    // the fixture's own inputs (data.h5's x).
    [Test]
    public void TheLecturesTwoLayerNetWithCaffesTrainedWeightsRunsInOnnxRuntime()
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var definition = services.GetRequiredService<PrototxtReader>().Parse<NetParameter>("""
            name: "TwoLayerDeploy"
            layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 64 dim: 1000 } } }
            layer { name: "fc1" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 100 bias_term: false } }
            layer { name: "sig" type: "Sigmoid" bottom: "h" top: "h" }
            layer { name: "fc2" type: "InnerProduct" bottom: "h" top: "y_pred" inner_product_param { num_output: 10 bias_term: false } }
            """, "deploy.prototxt");
        var net = new Net(definition, services.GetRequiredService<LayerFactory>(), new NetOptions { State = new NetState { Phase = Phase.Test } });
        net.CopyTrainedLayersFrom(MessageFile.ReadBinary<NetParameter>(Fixtures.File("caffe", "two_layer", "two_layer_iter_2000.caffemodel"), ParameterExtensions.None)).RequireEveryLayer();
        var random = new LayerNet.Fillers.RandomSource(3);
        var x = net.Blob("x").Data;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = random.NextGaussian(0f, 1f);
        }

        var model = OnnxCheck.Export(net);
        var ort = OnnxCheck.Run(model, net);
        net.Forward();

        OnnxCheck.AssertClose("y_pred", ort["y_pred"].Values, ort["y_pred"].Shape, net.Blob("y_pred").Data.ToArray(), [64, 10]);
        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[] { "Gemm", "Sigmoid", "Gemm" }));
    }

    [Test]
    public void TrainedMtcnnOnetRunsInOnnxRuntimeWithTheIndependentImplementationsOutputs()
    {
        var net = Build(Fixtures.File("zoo", "mtcnn_det3.prototxt"));
        net.CopyTrainedLayersFrom(MessageFile.ReadBinary<NetParameter>(Fixtures.File("zoo", "mtcnn_det3.caffemodel"), ParameterExtensions.None));
        var input = ZooInput.ReadNpyFloat32(Fixtures.File("zoo", "mtcnn_det3_input.npy"), [1, 3, 48, 48]);
        input.CopyTo(net.Blob("data").Data);

        var ort = OnnxCheck.Run(OnnxCheck.Export(net), net);

        var expected = ZooInput.ReadExpected(Fixtures.File("zoo", "mtcnn_det3_expected.txt"));
        Assert.Multiple(() =>
        {
            foreach (var (name, values) in expected)
            {
                Assert.That(ort[name].Values, Is.EqualTo(values).Within(1e-5), name);
            }
        });
    }

    /// <summary>Reads a model file as the runner does (V0 and V1 files upgraded), and sets every input's batch to 1.</summary>
    internal static Net Build(string path)
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var document = NetUpgrade.Upgrade(services.GetRequiredService<PrototxtReader>().ReadDocument<NetParameter>(path));
        var net = new Net(document.Message, services.GetRequiredService<LayerFactory>(), new NetOptions { Source = document.Source, File = path, State = new NetState { Phase = Phase.Test } });
        if (net.Inputs.Any(input => input.Shape.Count > 0 && input.Shape[0] != 1))
        {
            foreach (var input in net.Inputs.Where(input => input.Shape.Count > 0))
            {
                input.Reshape([1, .. input.Shape.Skip(1)]);
            }

            net.Reshape();
        }

        return net;
    }

    /// <summary>He-scaled Gaussian weights (sqrt(2 / fan-in)), small biases, BatchNorm means near 0 and variances near 1 (scale factor 1).</summary>
    internal static void DrawWeights(Net net, int seed)
    {
        var random = new LayerNet.Fillers.RandomSource((ulong)seed);
        foreach (var layer in net.Layers)
        {
            for (var b = 0; b < layer.Blobs.Count; b++)
            {
                var blob = layer.Blobs[b];
                var data = blob.Data;
                if (layer.Type == "BatchNorm")
                {
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = b switch { 0 => random.NextGaussian(0f, 0.2f), 1 => 0.5f + random.NextUniform(0f, 1f), _ => 1f };
                    }
                }
                else if (b == 0 && blob.AxisCount >= 2)
                {
                    var std = MathF.Sqrt(2f / Math.Max(1, blob.CountFrom(1)));
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = random.NextGaussian(0f, std);
                    }
                }
                else
                {
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = layer.Type is "Scale" && b == 0 ? 0.5f + random.NextUniform(0f, 1f) : random.NextGaussian(0f, 0.1f);
                    }
                }
            }
        }
    }
}
