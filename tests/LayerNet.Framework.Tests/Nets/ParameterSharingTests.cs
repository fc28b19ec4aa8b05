using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Nets;

public sealed class ParameterSharingTests
{
    // Two InnerProduct layers share the weight W = (0.5, -1) by the name "w"; ip_b's own filler (7) must not win.
    // ya = W . (1, 2) = -1.5, yb = W . (3, -1) = 2.5; loss = (ya^2 + yb^2) / 2.
    private static string SharedNet(string shareMode = "", int bottomWidth = 2, int outputs = 1) => $$"""
        layer { name: "xa" type: "Parameter" top: "xa" parameter_param { shape { dim: 1 dim: 2 } } blobs { shape { dim: 1 dim: 2 } data: 1 data: 2 } }
        layer { name: "xb" type: "DummyData" top: "xb" dummy_data_param { shape { dim: 1 dim: {{bottomWidth}} } data_filler { value: 3 } } }
        layer {
          name: "ip_a" type: "InnerProduct" bottom: "xa" top: "ya"
          param { name: "w" }
          inner_product_param { num_output: 1 bias_term: false }
          blobs { shape { dim: 1 dim: 2 } data: 0.5 data: -1 }
        }
        layer {
          name: "ip_b" type: "InnerProduct" bottom: "xb" top: "yb"
          param { name: "w" {{shareMode}} }
          inner_product_param { num_output: {{outputs}} bias_term: false weight_filler { value: 7 } }
        }
        layer { name: "zero" type: "DummyData" top: "zero" dummy_data_param { shape { dim: 1 dim: 1 } } }
        layer { name: "loss_a" type: "EuclideanLoss" bottom: "ya" bottom: "zero" top: "la" }
        """;

    [Test]
    public void Layers_naming_the_same_param_see_the_same_weights()
    {
        var net = TestNets.Build(SharedNet() + """
            layer { name: "loss_b" type: "EuclideanLoss" bottom: "yb" bottom: "zero" top: "lb" }
            """);
        var a = net.FindLayer("ip_a")!;
        var b = net.FindLayer("ip_b")!;

        Assert.That(b.Blobs[0].SharesDataWith(a.Blobs[0]), Is.True);
        Assert.That(b.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.5f, -1f }), "the owner's weights, not the sharer's filler");
        Assert.That(net.LearnableParams, Does.Contain(a.Blobs[0]));
        Assert.That(net.LearnableParams, Does.Not.Contain(b.Blobs[0]), "a shared param is learned once, under its owner");

        a.Blobs[0].Data[0] = 2f;
        Assert.That(b.Blobs[0].Data[0], Is.EqualTo(2f));
    }

    [Test]
    public void The_gradient_of_a_shared_param_accumulates_from_both_layers()
    {
        var net = TestNets.Build(SharedNet() + """
            layer { name: "loss_b" type: "EuclideanLoss" bottom: "yb" bottom: "zero" top: "lb" }
            """);

        // xb = (3, 3): yb = 1.5 - 3 = -1.5. dW = ya xa + yb xb = -1.5 (1, 2) + -1.5 (3, 3) = (-6, -7.5).
        var loss = net.ForwardBackward();

        Assert.That(loss, Is.EqualTo((1.5f * 1.5f / 2) + (1.5f * 1.5f / 2)).Within(1e-6));
        var expected = new[] { -6f, -7.5f };
        Assert.That(net.FindLayer("ip_a")!.Blobs[0].Diff.ToArray(), Is.EqualTo(expected).Within(1e-5f));
        Assert.That(net.FindLayer("ip_b")!.Blobs[0].Diff.ToArray(), Is.EqualTo(expected).Within(1e-5f));
    }

    [Test]
    public void Strict_sharing_of_params_of_different_shapes_is_an_error()
    {
        // ip_b: 2 outputs from 1 input gives W of shape 2 1; the owner's is 1 2.
        var text = SharedNet(bottomWidth: 1, outputs: 2);

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Position?.Line, Is.EqualTo(TestNets.LineOf(text, "name: \"ip_b\"") - 1));
        Assert.That(error.Message, Does.Contain("layer 'ip_b' (InnerProduct): cannot share param 'w' (param 0) with layer 'ip_a'"));
        Assert.That(error.Message, Does.Contain("1 2 (2) there and 2 1 (2) here"));
        Assert.That(error.Message, Does.Contain("STRICT"));
    }

    [Test]
    public void Permissive_sharing_allows_another_shape_of_the_same_count()
    {
        var net = TestNets.Build(SharedNet("share_mode: PERMISSIVE", bottomWidth: 1, outputs: 2));

        var a = net.FindLayer("ip_a")!;
        var b = net.FindLayer("ip_b")!;
        Assert.That(b.Blobs[0].Shape, Is.EqualTo(new[] { 2, 1 }));
        Assert.That(b.Blobs[0].SharesDataWith(a.Blobs[0]), Is.True);
        Assert.That(b.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.5f, -1f }));
    }

    [Test]
    public void Permissive_sharing_of_params_of_different_counts_is_an_error()
    {
        var text = SharedNet("share_mode: PERMISSIVE", bottomWidth: 3, outputs: 1);

        var error = Assert.Throws<LayerNetException>(() => TestNets.Build(text));

        Assert.That(error.Message, Does.Contain("cannot share param 'w' (param 0) with layer 'ip_a': its shape is 1 2 (2) there and 1 3 (3) here (PERMISSIVE needs equal counts)"));
    }

    [Test]
    public void An_in_place_layer_uses_its_bottom_blob_as_its_top()
    {
        var net = TestNets.Build("""
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 1 dim: 2 } data_filler { value: 1 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 2 weight_filler { value: 0.5 } } }
            layer { name: "sig" type: "Sigmoid" bottom: "h" top: "h" }
            layer { name: "zero" type: "DummyData" top: "zero" dummy_data_param { shape { dim: 1 dim: 2 } } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "zero" top: "loss" }
            """);
        var ip = TestNets.IndexOf(net, "ip");
        var sig = TestNets.IndexOf(net, "sig");

        Assert.That(net.Tops[sig][0], Is.SameAs(net.Bottoms[sig][0]));
        Assert.That(net.Tops[sig][0], Is.SameAs(net.Tops[ip][0]));
        Assert.That(net.Blobs.Count(b => b.Name == "h"), Is.EqualTo(1));

        var loss = net.ForwardBackward();

        // h = sigmoid(0.5 + 0.5) = 0.731 for both; loss = 2 h^2 / 2; dh_pre = h * h (1 - h); dW = dh_pre * x.
        var h = 1 / (1 + Math.Exp(-1));
        Assert.That(net.Blob("h").Data.ToArray(), Is.All.EqualTo((float)h).Within(1e-6f), "the top holds the sigmoid, written in place");
        Assert.That(loss, Is.EqualTo(h * h).Within(1e-6));
        var dpre = h * h * (1 - h);
        Assert.That(net.FindLayer("ip")!.Blobs[0].Diff.ToArray(), Is.All.EqualTo((float)dpre).Within(1e-6f));
        Assert.That(net.Blob("h").Diff.ToArray(), Is.All.EqualTo((float)dpre).Within(1e-6f), "the in-place backward leaves d(pre-activation) in the shared blob");
    }
}
