using LayerNet.Nets;

namespace LayerNet.Framework.Tests.Nets;

public sealed class NeedBackwardTests
{
    // x -> ip0 -> ip1 -> ip2 -> loss against zero. {0}, {1} and {2} are each layer's extra lines.
    private static string Chain(string ip0 = "", string ip1 = "", string ip2 = "", string header = "") => $$"""
        {{header}}
        layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: "gaussian" } } }
        layer { name: "ip0" type: "InnerProduct" bottom: "x" top: "h0" {{ip0}} inner_product_param { num_output: 3 weight_filler { type: "gaussian" } bias_filler { value: 0.1 } } }
        layer { name: "ip1" type: "InnerProduct" bottom: "h0" top: "h1" {{ip1}} inner_product_param { num_output: 3 weight_filler { type: "gaussian" } bias_filler { value: 0.1 } } }
        layer { name: "ip2" type: "InnerProduct" bottom: "h1" top: "h2" {{ip2}} inner_product_param { num_output: 2 weight_filler { type: "gaussian" } bias_filler { value: 0.1 } } }
        layer { name: "zero" type: "DummyData" top: "zero" dummy_data_param { shape { dim: 2 dim: 2 } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "h2" bottom: "zero" top: "loss" }
        """;

    private const string Frozen = "param { lr_mult: 0 } param { lr_mult: 0 }";

    private static bool Needs(Net net, string layer) => net.LayerNeedBackward[TestNets.IndexOf(net, layer)];

    private static bool BottomNeeds(Net net, string layer, int bottom = 0) => net.BottomNeedBackward[TestNets.IndexOf(net, layer)][bottom];

    private static bool AllZero(Span<float> values) => values.ToArray().All(v => v == 0f);

    [Test]
    public void Every_layer_on_the_path_to_the_loss_needs_backward_except_data()
    {
        var net = TestNets.Build(Chain());

        Assert.That(Needs(net, "data"), Is.False);
        Assert.That(Needs(net, "ip0") && Needs(net, "ip1") && Needs(net, "ip2") && Needs(net, "loss"), Is.True);
        Assert.That(BottomNeeds(net, "ip0"), Is.False, "the data needs no gradient");
        Assert.That(BottomNeeds(net, "ip1"), Is.True);
        Assert.That(BottomNeeds(net, "loss", 0), Is.True);
        Assert.That(BottomNeeds(net, "loss", 1), Is.False, "the target needs no gradient");
    }

    [Test]
    public void Lr_mult_0_on_every_param_stops_backward_below()
    {
        var net = TestNets.Build(Chain(ip0: Frozen, ip1: Frozen));

        Assert.That(Needs(net, "ip0"), Is.False);
        Assert.That(Needs(net, "ip1"), Is.False);
        Assert.That(Needs(net, "ip2"), Is.True);
        Assert.That(BottomNeeds(net, "ip2"), Is.False, "nothing below ip2 learns");
        Assert.That(net.FindLayer("ip1")!.ParamPropagateDown(0), Is.False);

        net.ForwardBackward();

        Assert.That(AllZero(net.FindLayer("ip0")!.Blobs[0].Diff) && AllZero(net.FindLayer("ip1")!.Blobs[0].Diff), Is.True);
        Assert.That(AllZero(net.Blob("h1").Diff), Is.True);
        Assert.That(AllZero(net.FindLayer("ip2")!.Blobs[0].Diff), Is.False);
    }

    [Test]
    public void A_learning_layer_above_a_frozen_one_still_gets_its_gradient_through_it()
    {
        var net = TestNets.Build(Chain(ip1: Frozen));

        Assert.That(Needs(net, "ip1"), Is.True, "ip0 below learns, so ip1 must pass the gradient down");
        Assert.That(net.FindLayer("ip1")!.ParamPropagateDown(0), Is.False);

        net.ForwardBackward();

        Assert.That(AllZero(net.FindLayer("ip1")!.Blobs[0].Diff), Is.True);
        Assert.That(AllZero(net.FindLayer("ip0")!.Blobs[0].Diff), Is.False);
    }

    [Test]
    public void Force_backward_makes_every_layer_and_bottom_need_backward()
    {
        var net = TestNets.Build(Chain(ip0: Frozen, ip1: Frozen, header: "force_backward: true"));

        Assert.That(net.LayerNeedBackward, Is.All.True);
        Assert.That(BottomNeeds(net, "ip0") && BottomNeeds(net, "ip1") && BottomNeeds(net, "ip2"), Is.True);
        Assert.That(BottomNeeds(net, "loss", 1), Is.True, "EuclideanLoss allows a gradient for its second bottom");
        Assert.That(net.FindLayer("ip0")!.ParamPropagateDown(0), Is.True);

        net.ForwardBackward();

        Assert.That(AllZero(net.Blob("x").Diff), Is.False, "the data's gradient is computed");
        Assert.That(AllZero(net.FindLayer("ip0")!.Blobs[0].Diff), Is.False);
    }

    [Test]
    public void Force_backward_leaves_out_bottoms_that_cannot_take_a_gradient()
    {
        var net = TestNets.Build("""
            force_backward: true
            layer { name: "data" type: "DummyData" top: "x" top: "label" dummy_data_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }
            layer { name: "loss" type: "HingeLoss" bottom: "x" bottom: "label" top: "loss" }
            """);

        Assert.That(BottomNeeds(net, "loss", 0), Is.True);
        Assert.That(BottomNeeds(net, "loss", 1), Is.False, "labels take no gradient even with force_backward");
    }

    [Test]
    public void Propagate_down_false_stops_the_gradient_at_that_bottom()
    {
        var net = TestNets.Build(Chain(ip1: "propagate_down: false"));

        Assert.That(BottomNeeds(net, "ip1"), Is.False);
        Assert.That(Needs(net, "ip1"), Is.True, "ip1 still learns its own params");
        Assert.That(Needs(net, "ip0"), Is.False, "no gradient reaches ip0");

        net.ForwardBackward();

        Assert.That(AllZero(net.FindLayer("ip1")!.Blobs[0].Diff), Is.False);
        Assert.That(AllZero(net.FindLayer("ip0")!.Blobs[0].Diff), Is.True);
        Assert.That(AllZero(net.Blob("h0").Diff), Is.True);
    }

    [Test]
    public void A_layer_that_feeds_no_loss_needs_no_backward()
    {
        var net = TestNets.Build(Chain() + """
            layer { name: "side" type: "InnerProduct" bottom: "x" top: "side" inner_product_param { num_output: 1 } }
            """);

        Assert.That(Needs(net, "side"), Is.False);
        Assert.That(net.Outputs.Select(b => b.Name), Is.EquivalentTo(new[] { "loss", "side" }));
    }

    [Test]
    public void A_loss_weight_on_a_non_loss_top_makes_it_a_loss()
    {
        var net = TestNets.Build("""
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 1 dim: 2 } data_filler { value: 1.5 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" loss_weight: 2 inner_product_param { num_output: 3 weight_filler { value: 1 } } }
            """);

        var loss = net.ForwardBackward();

        // y = (3, 3, 3); loss = 2 sum(y) = 18; dy = 2, so dW = 2 x = 3 everywhere and db = 2.
        Assert.That(loss, Is.EqualTo(18f).Within(1e-5));
        Assert.That(net.BlobLossWeights[net.Blobs.ToList().IndexOf(net.Blob("y"))], Is.EqualTo(2f));
        Assert.That(Needs(net, "ip"), Is.True);
        Assert.That(net.FindLayer("ip")!.Blobs[0].Diff.ToArray(), Is.All.EqualTo(3f));
        Assert.That(net.FindLayer("ip")!.Blobs[1].Diff.ToArray(), Is.All.EqualTo(2f));
    }

    [Test]
    public void A_loss_layer_without_a_top_still_contributes_its_loss()
    {
        var net = TestNets.Build("""
            layer { name: "a" type: "DummyData" top: "a" dummy_data_param { shape { dim: 2 dim: 1 } data_filler { value: 3 } } }
            layer { name: "b" type: "DummyData" top: "b" dummy_data_param { shape { dim: 2 dim: 1 } data_filler { value: 1 } } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "a" bottom: "b" }
            """);

        var loss = net.Forward();

        // (2^2 + 2^2) / (2 * 2) = 2.
        Assert.That(loss, Is.EqualTo(2f).Within(1e-6));
        var tops = net.Tops[TestNets.IndexOf(net, "loss")];
        Assert.That(tops, Has.Count.EqualTo(1), "the net made the top the layer needs");
        Assert.That(tops[0].Data[0], Is.EqualTo(2f).Within(1e-6));
        Assert.That(net.FindLayer("loss")!.LossWeight(0), Is.EqualTo(1f));
        // As in Caffe, the automatic top is an output (named "(automatic)"), so its loss is logged.
        Assert.That(net.Outputs, Has.Count.EqualTo(1));
        Assert.That(net.Outputs[0], Is.SameAs(tops[0]));
        Assert.That(net.Outputs[0].Name, Is.EqualTo("(automatic)"));
    }

    [Test]
    public void Each_layer_is_told_whether_its_backward_runs()
    {
        var net = TestNets.Build(Chain(ip0: Frozen, ip1: Frozen));
        var deploy = TestNets.Build("""
            name: "deploy"
            layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }
            layer { name: "relu" type: "ReLU" bottom: "y" top: "y" }
            """, Caffe.Phase.Test);

        Assert.Multiple(() =>
        {
            Assert.That(net.Layers.Select(layer => layer.RunsBackward), Is.EqualTo(net.LayerNeedBackward));
            Assert.That(net.FindLayer("ip1")!.RunsBackward, Is.False);
            Assert.That(net.FindLayer("ip2")!.RunsBackward, Is.True);
            Assert.That(deploy.Layers.Select(layer => layer.RunsBackward), Has.All.False);
        });
    }

    [Test]
    public void An_in_place_layer_whose_backward_never_runs_gives_the_same_forward()
    {
        // A deploy net's in-place ReLU and Scale keep no copy of their input; the values are the training net's.
        const string Layers = """
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 4 weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            layer { name: "relu" type: "ReLU" bottom: "y" top: "y" relu_param { negative_slope: 0.1 } }
            layer { name: "scale" type: "Scale" bottom: "y" top: "y" scale_param { bias_term: true filler { type: "gaussian" } bias_filler { type: "gaussian" } } }
            """;
        var deploy = TestNets.Build("""
            layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 3 dim: 5 } } }
            """ + Layers, Caffe.Phase.Test);
        var training = TestNets.Build("""
            force_backward: true
            layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 3 dim: 5 } } }
            """ + Layers, Caffe.Phase.Test);
        for (var i = 0; i < 15; i++)
        {
            deploy.Blob("x").Data[i] = training.Blob("x").Data[i] = (i * 0.37f) - 2.5f;
        }

        deploy.Forward();
        training.Forward();

        Assert.Multiple(() =>
        {
            Assert.That(deploy.FindLayer("scale")!.RunsBackward, Is.False);
            Assert.That(training.FindLayer("scale")!.RunsBackward, Is.True);
            Assert.That(deploy.Blob("y").Data.ToArray(), Is.EqualTo(training.Blob("y").Data.ToArray()));
        });
    }
}
