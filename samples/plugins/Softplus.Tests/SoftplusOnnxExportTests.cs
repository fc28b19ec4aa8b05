using Caffe;
using Google.Protobuf;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Nets;
using LayerNet.Onnx;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace LayerNet.Samples.Softplus.Tests;

/// <summary>The plugin's ONNX exporter: the model it writes runs in ONNX Runtime and gives the layer's outputs.</summary>
[TestFixture]
public sealed class SoftplusOnnxExportTests
{
    private static (Net Net, OnnxExporterFactory Exporters) Build(string layer)
    {
        var services = new ServiceCollection();
        new SoftplusPlugin().Register(services.AddLayerNet().AddLayer<InputLayer>("Input"));
        var provider = services.BuildServiceProvider();
        var parameter = provider.GetRequiredService<PrototxtReader>().Parse<NetParameter>($$"""
            input: "x" input_shape { dim: 2 dim: 3 dim: 4 }
            {{layer}}
            """, "net.prototxt");
        var net = new Net(parameter, provider.GetRequiredService<LayerFactory>(), new NetOptions { State = new NetState { Phase = Phase.Test } });
        return (net, provider.GetRequiredService<OnnxExporterFactory>());
    }

    [TestCase(1f, 20f)]
    [TestCase(2f, 3f)]
    [TestCase(0.5f, 1f)]
    public void The_exported_model_gives_the_layers_outputs_in_onnx_runtime_in_both_regions(float beta, float threshold)
    {
        var (net, exporters) = Build(FormattableString.Invariant($$"""layer { name: "sp" type: "Softplus" bottom: "x" top: "y" softplus_param { beta: {{beta}} threshold: {{threshold}} } }"""));
        var x = net.Blob("x").Data;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (i - 12) * 0.5f; // -6 to 5.5: both sides of the threshold
        }

        net.Forward();
        var model = OnnxExport.Export(net, exporters);
        using var session = new InferenceSession(model.ToByteArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(net.Blob("x").Data.ToArray(), [2, 3, 4]))]);
        var onnx = results.Single(r => r.Name == "y").AsTensor<float>().ToArray();

        Assert.That(onnx, Is.EqualTo(net.Blob("y").Data.ToArray()).Within(1e-5f));
        Assert.That(model.Graph.Node.Select(n => n.OpType), Does.Contain("Softplus").And.Contain("Where"));
    }

    [Test]
    public void In_place_the_output_keeps_the_blobs_name()
    {
        var (net, exporters) = Build("""layer { name: "sp" type: "Softplus" bottom: "x" top: "x" }""");

        var model = OnnxExport.Export(net, exporters);

        Assert.That(model.Graph.Input.Single().Name, Is.EqualTo("x"));
        Assert.That(model.Graph.Output.Single().Name, Is.EqualTo("x/sp"));
    }

    [Test]
    public void Without_the_plugins_exporter_the_layer_is_named_in_one_line()
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddLayer<InputLayer>("Input").AddParameterExtensions(SoftplusReflection.Descriptor).AddLayer<SoftplusLayer>("Softplus");
        using var provider = services.BuildServiceProvider();
        var parameter = provider.GetRequiredService<PrototxtReader>().Parse<NetParameter>("""
            input: "x" input_shape { dim: 2 }
            layer { name: "sp" type: "Softplus" bottom: "x" top: "y" }
            """, "net.prototxt");
        var net = new Net(parameter, provider.GetRequiredService<LayerFactory>(), new NetOptions { State = new NetState { Phase = Phase.Test } });

        var error = Assert.Throws<LayerNetException>(() => OnnxExport.Export(net, provider.GetRequiredService<OnnxExporterFactory>()));

        Assert.That(error.Message, Does.Contain("layer 'sp' (Softplus): has no ONNX equivalent: no exporter is registered for layer type 'Softplus'"));
        Assert.That(error.Message, Does.Not.Contain('\n'));
    }

    // The net's input ("input:" fields become an Input layer): the built-in one lives in LayerNet.Layers, which a
    // plugin does not reference, so the tests bring their own, shaped by input_param as Caffe's.
    private sealed class InputLayer(LayerParameter parameter) : Layer(parameter, BlobArity.Exactly(0), BlobArity.AtLeast(1))
    {
        public override bool HasBackward => false;

        protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
            for (var i = 0; i < top.Count; i++)
            {
                top[i].Reshape(Parameter.InputParam.Shape[Math.Min(i, Parameter.InputParam.Shape.Count - 1)]);
            }
        }

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
        }
    }
}
