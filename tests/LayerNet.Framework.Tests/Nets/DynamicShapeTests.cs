using Caffe;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>
/// A layer whose top changes shape during forward (Filter keeps the selected items) makes the layers after it
/// reshape before they run, as Caffe reshapes every layer before its forward pass.
/// </summary>
public sealed class DynamicShapeTests
{
    private const string Selected = """
        name: "filtered"
        layer { name: "data" type: "Input" top: "data" top: "sel" input_param { shape { dim: 4 dim: 3 } shape { dim: 4 } } }
        layer { name: "filter" type: "Filter" bottom: "data" bottom: "sel" top: "kept" }
        layer {
          name: "ip" type: "InnerProduct" bottom: "kept" top: "y"
          inner_product_param { num_output: 2 weight_filler { type: "constant" value: 1 } }
        }
        """;

    [Test]
    public void The_layers_after_a_filter_take_the_items_it_kept()
    {
        var net = TestNets.Build(Selected, Phase.Test);
        new float[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f }.CopyTo(net.Blob("data").Data);

        float[] Run(params float[] selector)
        {
            selector.CopyTo(net.Blob("sel").Data);
            net.Forward();
            return net.Blob("y").Data.ToArray();
        }

        Assert.That(Run(1f, 0f, 1f, 0f), Is.EqualTo(new[] { 6f, 6f, 24f, 24f }));
        Assert.That(net.Blob("y").Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(Run(0f, 1f, 1f, 1f), Is.EqualTo(new[] { 15f, 15f, 24f, 24f, 33f, 33f }));
        Assert.That(net.Blob("y").Shape, Is.EqualTo(new[] { 3, 2 }));
    }

    [Test]
    public void Reshape_gives_every_top_the_shape_of_a_reshaped_input_without_running_a_layer()
    {
        var net = TestNets.Build("""
            name: "reshaped"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "data" top: "y" inner_product_param { num_output: 2 } }
            layer { name: "prob" type: "Softmax" bottom: "y" top: "p" }
            """, Phase.Test);
        net.Blob("data").Reshape([9, 3]);
        net.Reshape();

        Assert.Multiple(() =>
        {
            Assert.That(net.Blob("y").Shape, Is.EqualTo(new[] { 9, 2 }));
            Assert.That(net.Blob("p").Shape, Is.EqualTo(new[] { 9, 2 }));
            Assert.That(net.Blob("p").Data.ToArray(), Has.All.EqualTo(0f), "no layer ran (a Softmax gives 0.5 each)");
        });
    }
}
