using Caffe;
using LayerNet.Nets;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Nets;

public sealed class SplitInsertionTests
{
    // x = (1, 2); h = W x + b with W = [[1, 2], [3, 4]], b = (0, 1), so h = (5, 12). h feeds two losses:
    // loss1 = |h - 1|^2 / 2 (weight 1) and loss2 = |h - 2|^2 / 2 (weight 2).
    private const string TwoConsumers = """
        name: "split"
        layer {
          name: "x"
          type: "Parameter"
          top: "x"
          parameter_param { shape { dim: 1 dim: 2 } }
          blobs { shape { dim: 1 dim: 2 } data: 1 data: 2 }
        }
        layer {
          name: "ip"
          type: "InnerProduct"
          bottom: "x"
          top: "h"
          inner_product_param { num_output: 2 }
          blobs { shape { dim: 2 dim: 2 } data: 1 data: 2 data: 3 data: 4 }
          blobs { shape { dim: 2 } data: 0 data: 1 }
        }
        layer { name: "t1" type: "DummyData" top: "t1" dummy_data_param { shape { dim: 1 dim: 2 } data_filler { value: 1 } } }
        layer { name: "t2" type: "DummyData" top: "t2" dummy_data_param { shape { dim: 1 dim: 2 } data_filler { value: 2 } } }
        layer { name: "loss1" type: "EuclideanLoss" bottom: "h" bottom: "t1" top: "l1" }
        layer { name: "loss2" type: "EuclideanLoss" bottom: "h" bottom: "t2" top: "l2" loss_weight: 2 }
        """;

    [Test]
    public void A_top_feeding_two_layers_gets_a_split_with_Caffes_names()
    {
        var layers = Parameters(SplitInsertion.Insert(Definitions(TestNets.Parse(TwoConsumers))));

        Assert.That(layers.Select(l => l.Name), Is.EqualTo(new[] { "x", "ip", "h_ip_0_split", "t1", "t2", "loss1", "loss2" }));
        var split = layers[2];
        Assert.That(split.Type, Is.EqualTo("Split"));
        Assert.That(split.Bottom, Is.EqualTo(new[] { "h" }));
        Assert.That(split.Top, Is.EqualTo(new[] { "h_ip_0_split_0", "h_ip_0_split_1" }));
        Assert.That(layers[5].Bottom, Is.EqualTo(new[] { "h_ip_0_split_0", "t1" }));
        Assert.That(layers[6].Bottom, Is.EqualTo(new[] { "h_ip_0_split_1", "t2" }));
        Assert.That(layers[1].Bottom, Is.EqualTo(new[] { "x" }), "a blob used once is not split");
    }

    [Test]
    public void The_split_names_carry_the_producing_layer_and_top_index()
    {
        var parameter = TestNets.Parse("""
            layer { name: "data" type: "DummyData" top: "a" top: "b" dummy_data_param { shape { dim: 1 } } }
            layer { name: "s1" type: "Sigmoid" bottom: "b" top: "c" }
            layer { name: "s2" type: "Sigmoid" bottom: "b" top: "d" }
            layer { name: "s3" type: "Sigmoid" bottom: "b" top: "e" }
            """);

        var layers = Parameters(SplitInsertion.Insert(Definitions(parameter)));

        Assert.That(layers[1].Name, Is.EqualTo("b_data_1_split"));
        Assert.That(layers[1].Top, Is.EqualTo(new[] { "b_data_1_split_0", "b_data_1_split_1", "b_data_1_split_2" }));
        Assert.That(layers.Skip(2).Select(l => l.Bottom[0]), Is.EqualTo(new[] { "b_data_1_split_0", "b_data_1_split_1", "b_data_1_split_2" }));
    }

    [Test]
    public void A_top_with_a_loss_weight_and_a_consumer_gets_a_split_carrying_the_loss_on_its_first_top()
    {
        var parameter = TestNets.Parse("""
            layer { name: "data" type: "DummyData" top: "a" dummy_data_param { shape { dim: 1 } } }
            layer { name: "sig" type: "Sigmoid" bottom: "a" top: "s" loss_weight: 3 }
            layer { name: "next" type: "Sigmoid" bottom: "s" top: "t" }
            """);

        var layers = Parameters(SplitInsertion.Insert(Definitions(parameter)));

        Assert.That(layers.Select(l => l.Name), Is.EqualTo(new[] { "data", "sig", "s_sig_0_split", "next" }));
        Assert.That(layers[2].LossWeight, Is.EqualTo(new[] { 3f, 0f }));
        Assert.That(layers[1].LossWeight.All(w => w == 0f), Is.True, "the producer's top no longer carries the loss");
        Assert.That(layers[3].Bottom, Is.EqualTo(new[] { "s_sig_0_split_1" }));
    }

    [Test]
    public void The_net_runs_the_split_and_sums_the_diffs_of_its_tops()
    {
        var net = TestNets.Build(TwoConsumers);

        var loss = net.ForwardBackward();

        // loss = (4^2 + 11^2) / 2 + 2 (3^2 + 10^2) / 2 = 68.5 + 109.
        Assert.That(loss, Is.EqualTo(177.5f).Within(1e-4));
        Assert.That(net.HasBlob("h_ip_0_split_0") && net.HasBlob("h_ip_0_split_1"), Is.True);
        Assert.That(net.Blob("h_ip_0_split_0").Data.ToArray(), Is.EqualTo(new[] { 5f, 12f }));
        Assert.That(net.Blob("h_ip_0_split_1").Data.ToArray(), Is.EqualTo(new[] { 5f, 12f }));

        // dloss1/dh = h - 1 = (4, 11); dloss2/dh = 2 (h - 2) = (6, 20); the split sums them into dh = (10, 31).
        Assert.That(net.Blob("h_ip_0_split_0").Diff.ToArray(), Is.EqualTo(new[] { 4f, 11f }).Within(1e-5f));
        Assert.That(net.Blob("h_ip_0_split_1").Diff.ToArray(), Is.EqualTo(new[] { 6f, 20f }).Within(1e-5f));
        Assert.That(net.Blob("h").Diff.ToArray(), Is.EqualTo(new[] { 10f, 31f }).Within(1e-5f));

        // dW = dh x^T, db = dh, dx = W^T dh = (1*10 + 3*31, 2*10 + 4*31).
        var ip = net.FindLayer("ip")!;
        Assert.That(ip.Blobs[0].Diff.ToArray(), Is.EqualTo(new[] { 10f, 20f, 31f, 62f }).Within(1e-4f));
        Assert.That(ip.Blobs[1].Diff.ToArray(), Is.EqualTo(new[] { 10f, 31f }).Within(1e-5f));
        Assert.That(net.Blob("x").Diff.ToArray(), Is.EqualTo(new[] { 103f, 144f }).Within(1e-4f));
    }

    [Test]
    public void A_split_with_a_loss_weight_keeps_the_loss_in_the_net()
    {
        var net = TestNets.Build("""
            layer { name: "data" type: "DummyData" top: "a" dummy_data_param { shape { dim: 2 } data_filler { value: 0.5 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "a" top: "s" loss_weight: 3 inner_product_param { num_output: 1 axis: 0 weight_filler { value: 1 } } }
            layer { name: "next" type: "InnerProduct" bottom: "s" top: "t" loss_weight: 1 inner_product_param { num_output: 1 axis: 0 weight_filler { value: 2 } } }
            """);

        var loss = net.ForwardBackward();

        // s = 0.5 + 0.5 = 1 (weight 3), t = 2 s = 2 (weight 1): loss = 3 + 2; ds = 3 + 2 = 5, so dW_ip = 5 * 0.5.
        Assert.That(loss, Is.EqualTo(5f).Within(1e-6));
        Assert.That(net.FindLayer("ip")!.Blobs[0].Diff.ToArray(), Is.EqualTo(new[] { 2.5f, 2.5f }).Within(1e-6f));
    }

    private static LayerDefinition[] Definitions(TextDocument<NetParameter> net) => [.. net.Message.Layer.Select(layer => new LayerDefinition(layer, default))];

    private static List<LayerParameter> Parameters(List<LayerDefinition> definitions) => [.. definitions.Select(definition => definition.Parameter)];
}
