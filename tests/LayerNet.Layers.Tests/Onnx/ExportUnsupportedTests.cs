using Caffe;
using LayerNet.Errors;
using LayerNet.Layers.Data;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Recurrent;
using LayerNet.Onnx;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;
using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>A layer without an ONNX form, or with settings ONNX cannot express, stops the export with an error that names it.</summary>
[TestFixture]
public sealed class ExportUnsupportedTests
{
    private static LayerNetException ExportError(LayerNet.Nets.Net net, bool dynamicBatch = false) =>
        Assert.Throws<LayerNetException>(() => OnnxCheck.Export(net, new OnnxExportOptions { DynamicBatch = dynamicBatch }))!;

    [Test]
    public void Every_built_in_layer_type_has_an_exporter_but_losses_data_recurrent_and_label_layers()
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        string?[] withoutOnnxForm = [typeof(EuclideanLossLayer).Namespace, typeof(InputLayer).Namespace, typeof(LSTMLayer).Namespace];

        var missing = services.GetServices<LayerRegistration>()
            .Where(r => !withoutOnnxForm.Contains(r.Implementation.Namespace) && !OnnxCheck.Exporters.CanExport(r.TypeName))
            .Select(r => r.TypeName);

        // Accuracy compares with labels; Filter's top has as many items as the data selects.
        Assert.That(missing, Is.EquivalentTo(new[] { "Accuracy", "Filter" }));
        Assert.That(OnnxCheck.Exporters.CanExport("Input"), Is.False, "Input layers are the graph's inputs");
    }

    [Test]
    public void Stochastic_pooling_is_refused_naming_the_layer()
    {
        // The layer refuses STOCHASTIC itself; a definition changed after set-up reaches the exporter.
        var net = Net([1, 2, 4, 4], "layer { name: \"pool1\" type: \"Pooling\" bottom: \"data\" top: \"out\" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }");
        net.Layers.Single(l => l.Name == "pool1").Parameter.PoolingParam.Pool = PoolingParameter.Types.PoolMethod.Stochastic;

        var error = ExportError(net);

        Assert.That(error.Message, Does.Contain("layer 'pool1' (Pooling)").And.Contain("STOCHASTIC"));
    }

    [Test]
    public void A_loss_layer_has_no_exporter()
    {
        var net = OnnxCheck.Build(Input([2, 5]) + Input("label", [2]) + """
            layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            """);

        var error = ExportError(net);

        Assert.That(error.Message, Does.Contain("layer 'loss' (SoftmaxWithLoss)").And.Contain("no ONNX equivalent"));
    }

    [Test]
    public void DummyData_drawn_at_every_pass_is_refused_naming_the_filler()
    {
        var net = OnnxCheck.Build("""
            layer { name: "source" type: "DummyData" top: "data" dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: "gaussian" } } }
            layer { name: "act" type: "Sigmoid" bottom: "data" top: "out" }
            """);

        var error = ExportError(net);

        Assert.That(error.Message, Does.Contain("layer 'source' (DummyData): cannot be exported to ONNX: top 'data' is drawn from a 'gaussian' filler at every pass"));
    }

    [Test]
    public void DummyData_with_constant_fillers_exports_its_values()
    {
        var net = OnnxCheck.Build("""
            layer { name: "source" type: "DummyData" top: "a" top: "b" dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: "constant" value: 0.5 } data_filler { type: "constant" value: -2 } } }
            layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "out" eltwise_param { coeff: 3 coeff: 1 } }
            """);

        OnnxCheck.AssertSameOutputs(net);

        Assert.That(net.Blob("out").Data.ToArray(), Has.All.EqualTo(-0.5f));
    }

    [Test]
    public void Dropout_in_the_TRAIN_phase_is_refused()
    {
        var net = TextNets.Build(Input([2, 3]) + "layer { name: \"drop\" type: \"Dropout\" bottom: \"data\" top: \"out\" }", Phase.Train);

        var error = ExportError(net);

        Assert.That(error.Message, Does.Contain("layer 'drop' (Dropout)").And.Contain("TRAIN"));
    }

    [Test]
    public void A_reshape_that_fixes_the_batch_is_refused_with_a_dynamic_batch()
    {
        var net = Net([2, 3, 4], "layer { name: \"view\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param { shape { dim: 24 } } }");

        var error = ExportError(net, dynamicBatch: true);

        Assert.That(error.Message, Does.Contain("layer 'view' (Reshape)").And.Contain("batch"));
        Assert.That(() => OnnxCheck.AssertSameOutputs(net), Throws.Nothing, "a fixed batch exports");
    }

    [Test]
    public void Slice_points_on_the_batch_axis_are_refused_with_a_dynamic_batch()
    {
        var net = Net([4, 3], "layer { name: \"cut\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" slice_param { axis: 0 slice_point: 1 } }");

        var error = ExportError(net, dynamicBatch: true);

        Assert.That(error.Message, Does.Contain("layer 'cut' (Slice)"));
    }

    [Test]
    public void A_crop_of_the_batch_axis_is_refused_with_a_dynamic_batch()
    {
        var net = OnnxCheck.Build(Input([4, 3]) + Input("like", [2, 3]) +
            "layer { name: \"crop\" type: \"Crop\" bottom: \"data\" bottom: \"like\" top: \"out\" crop_param { axis: 0 } }");

        var error = ExportError(net, dynamicBatch: true);

        Assert.That(error.Message, Does.Contain("layer 'crop' (Crop)"));
    }
}
