using Caffe;
using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Nets;

public sealed class NetInputsOutputsTests
{
    [Test]
    public void Legacy_input_with_input_shape_becomes_an_Input_layer()
    {
        var net = TestNets.Build("""
            input: "data"
            input_shape { dim: 2 dim: 3 }
            input: "label"
            input_shape { dim: 2 }
            layer { name: "ip" type: "InnerProduct" bottom: "data" top: "out" inner_product_param { num_output: 4 } }
            """);

        Assert.That(net.Layers[0].Name, Is.EqualTo("input"));
        Assert.That(net.Layers[0].Type, Is.EqualTo("Input"));
        Assert.That(net.Inputs.Select(b => b.Name), Is.EqualTo(new[] { "data", "label" }));
        Assert.That(net.Blob("data").Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(net.Blob("label").Shape, Is.EqualTo(new[] { 2 }));
        Assert.That(net.Blob("out").Shape, Is.EqualTo(new[] { 2, 4 }));
    }

    [Test]
    public void Legacy_input_dim_gives_four_dimensions_per_input()
    {
        var net = TestNets.Build("""
            input: "data"
            input_dim: 2
            input_dim: 3
            input_dim: 4
            input_dim: 5
            layer { name: "sig" type: "Sigmoid" bottom: "data" top: "out" }
            """);

        Assert.That(net.Inputs.Single().Shape, Is.EqualTo(new[] { 2, 3, 4, 5 }));
        Assert.That(net.Blob("out").Shape, Is.EqualTo(new[] { 2, 3, 4, 5 }));
    }

    [Test]
    public void Legacy_input_dim_not_four_per_input_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => TestNets.Build("name: \"n\"\ninput: \"data\"\ninput_dim: 2\ninput_dim: 3\n"));

        Assert.That(error.Message, Does.Contain("1 inputs need 4 input_dim values (4 each), got 2"));
    }

    [Test]
    public void Legacy_input_without_a_shape_is_an_error()
    {
        Assert.That(() => TestNets.Build("input: \"data\"\n"), Throws.TypeOf<LayerNetException>().With.Message.Contains("without their shapes"));
    }

    [Test]
    public void An_Input_layer_lists_its_tops_as_the_inputs_of_the_net()
    {
        var net = TestNets.Build("""
            layer { name: "in" type: "Input" top: "a" top: "b" input_param { shape { dim: 1 dim: 2 } } }
            layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "c" }
            """);

        Assert.That(net.Inputs.Select(b => b.Name), Is.EqualTo(new[] { "a", "b" }));
        net.Blob("a").Data.Fill(2f);
        net.Blob("b").Data.Fill(3f);
        net.Forward();
        Assert.That(net.Blob("c").Data.ToArray(), Is.All.EqualTo(5f));
    }

    [Test]
    public void The_outputs_are_the_blobs_no_layer_consumes()
    {
        var net = TestNets.Build("""
            layer { name: "data" type: "DummyData" top: "x" top: "y" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "sig" type: "Sigmoid" bottom: "x" top: "x" }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "pred" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "y" top: "loss" }
            layer { name: "other" type: "Sigmoid" bottom: "pred" top: "prob" }
            """);

        Assert.That(net.Outputs.Select(b => b.Name), Is.EquivalentTo(new[] { "loss", "prob" }));
        Assert.That(net.Outputs, Does.Not.Contain(net.Blob("x")));
    }

    [Test]
    public void Asking_for_a_blob_that_does_not_exist_suggests_the_nearest()
    {
        var net = TestNets.Build("""
            layer { name: "data" type: "DummyData" top: "label" dummy_data_param { shape { dim: 1 } } }
            """);

        Assert.That(() => net.Blob("lable"), Throws.TypeOf<LayerNetException>().With.Message.Contains("has no blob 'lable'; did you mean 'label'?"));
    }

    [Test]
    public void The_deprecated_V1_layers_field_is_upgraded_and_its_errors_point_at_the_old_block()
    {
        var parameter = TestNets.Parse("layers { name: \"old\" type: INNER_PRODUCT }\n");

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(parameter, new NetState { Phase = Phase.Train }));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(1,1): layer 'old' (InnerProduct): inner_product_param.num_output must be given and positive"));
    }
}
