using Caffe;
using Google.Protobuf;
using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Nets;

public sealed class CopyTrainedLayersTests
{
    private static string TwoLayers(int hidden = 4) => $$"""
        name: "copy"
        layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: "gaussian" } } }
        layer {
          name: "ip1"
          type: "InnerProduct"
          bottom: "x"
          top: "h"
          inner_product_param { num_output: {{hidden}} weight_filler { type: "gaussian" } bias_filler { type: "gaussian" } }
        }
        layer { name: "sig" type: "Sigmoid" bottom: "h" top: "h" }
        layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "y" inner_product_param { num_output: 2 weight_filler { type: "gaussian" } } }
        """;

    [Test]
    public void Copying_from_ToProto_gives_the_same_weights_and_outputs()
    {
        var source = TestNets.Build(TwoLayers(), seed: 1);
        var target = TestNets.Build(TwoLayers(), seed: 2);
        Assert.That(target.FindLayer("ip1")!.Blobs[0].Data.ToArray(), Is.Not.EqualTo(source.FindLayer("ip1")!.Blobs[0].Data.ToArray()));

        target.CopyTrainedLayersFrom(source.ToProto());

        foreach (var name in new[] { "ip1", "ip2" })
        {
            var from = source.FindLayer(name)!.Blobs;
            var to = target.FindLayer(name)!.Blobs;
            Assert.That(to, Has.Count.EqualTo(from.Count));
            for (var i = 0; i < from.Count; i++)
            {
                Assert.That(to[i].Data.ToArray(), Is.EqualTo(from[i].Data.ToArray()), $"{name} blob {i}");
                Assert.That(to[i].SharesDataWith(from[i]), Is.False, "copied, not shared");
            }
        }
    }

    [Test]
    public void A_caffemodel_written_and_read_back_restores_the_net()
    {
        var source = TestNets.Build(TwoLayers(), seed: 1);
        var bytes = source.ToProto().ToByteArray();
        var target = TestNets.Build(TwoLayers(), seed: 2);

        target.CopyTrainedLayersFrom(NetParameter.Parser.ParseFrom(bytes));

        // Same weights, same input: the same output, bit for bit.
        source.FindLayer("data")!.Forward(source.Bottoms[0], source.Tops[0]);
        var input = source.Blob("x").Data.ToArray();
        var expected = RunWithInput(source, input);
        var actual = RunWithInput(target, input);
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void ToProto_writes_every_layer_with_its_learned_blobs()
    {
        var net = TestNets.Build(TwoLayers(), seed: 3);

        var proto = net.ToProto();

        Assert.That(proto.Name, Is.EqualTo("copy"));
        Assert.That(proto.Layer.Select(l => l.Name), Is.EqualTo(new[] { "data", "ip1", "sig", "ip2" }));
        var ip1 = proto.Layer[1];
        Assert.That(ip1.Blobs, Has.Count.EqualTo(2));
        Assert.That(ip1.Blobs[0].Shape.Dim, Is.EqualTo(new long[] { 4, 3 }));
        Assert.That(ip1.Blobs[0].Data, Is.EqualTo(net.FindLayer("ip1")!.Blobs[0].Data.ToArray()));
        Assert.That(ip1.Blobs[0].Diff, Is.Empty);
        Assert.That(net.ToProto(writeDiff: true).Layer[1].Blobs[0].Diff, Has.Count.EqualTo(12));
    }

    [Test]
    public void Layers_the_net_does_not_have_are_ignored()
    {
        var target = TestNets.Build(TwoLayers(), seed: 2);
        var before = target.FindLayer("ip1")!.Blobs[0].Data.ToArray();
        var trained = new NetParameter();
        var unknown = new LayerParameter { Name = "conv9", Type = "Convolution" };
        unknown.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 7 } }, Data = { 1, 2, 3, 4, 5, 6, 7 } });
        trained.Layer.Add(unknown);

        target.CopyTrainedLayersFrom(trained);

        Assert.That(target.FindLayer("ip1")!.Blobs[0].Data.ToArray(), Is.EqualTo(before));
    }

    [Test]
    public void The_copy_says_which_layers_got_no_weights()
    {
        var target = TestNets.Build(TwoLayers(), seed: 2);
        var whole = TestNets.Build(TwoLayers(), seed: 1).ToProto();
        var cut = whole.Clone();
        cut.Layer.Clear();
        cut.Layer.Add(whole.Layer.Take(2));

        var wholeCopy = target.CopyTrainedLayersFrom(whole, "'whole.caffemodel'");
        var cutCopy = target.CopyTrainedLayersFrom(cut, "'cut.caffemodel'");

        Assert.That(wholeCopy.MatchedLayers, Is.EqualTo(2));
        Assert.That(wholeCopy.LayersWithoutWeights, Is.Empty);
        Assert.DoesNotThrow(wholeCopy.RequireEveryLayer);
        Assert.That(cutCopy.LayersWithoutWeights.Select(layer => layer.Name), Is.EqualTo(new[] { "ip2" }));
        Assert.That(
            cutCopy.RequireEveryLayer,
            Throws.TypeOf<LayerNetException>().With.Message.EndsWith("layer 'ip2' (InnerProduct): weights 'cut.caffemodel' give it nothing: no layer of that name with learned blobs there; a truncated file, or weights of another net?"));
        Assert.That(cutCopy.Then(wholeCopy).LayersWithoutWeights, Is.Empty, "a later file fills what an earlier one left");
    }

    [Test]
    public void Weights_that_give_no_layer_blobs_fail_the_match_check()
    {
        var target = TestNets.Build(TwoLayers(), seed: 2);
        var unknown = new NetParameter { Layer = { new LayerParameter { Name = "conv9", Type = "Convolution", Blobs = { new BlobProto { Shape = new BlobShape { Dim = { 1 } }, Data = { 1 } } } } } };

        var empty = target.CopyTrainedLayersFrom(new NetParameter(), "'empty.caffemodel'");
        var foreign = target.CopyTrainedLayersFrom(unknown, "'other.caffemodel'");

        Assert.That(empty.RequireMatch, Throws.TypeOf<LayerNetException>().With.Message.EqualTo("weights 'empty.caffemodel' hold no layers: an empty or truncated file, or not a .caffemodel"));
        Assert.That(
            foreign.RequireMatch,
            Throws.TypeOf<LayerNetException>().With.Message.EqualTo("weights 'other.caffemodel' match no layer of net 'copy' (none of their 1 layers gives learned blobs to a layer of that name): weights of another net?"));
    }

    [Test]
    public void Fine_tuning_warns_once_per_layer_without_weights()
    {
        var target = TestNets.Build(TwoLayers(), seed: 2);
        var cut = new NetParameter { Layer = { TestNets.Build(TwoLayers(), seed: 1).ToProto().Layer[1] } };
        using var log = new StringWriter();

        target.CopyTrainedLayersFrom(cut, "'cut.caffemodel'").WarnMissing(new LayerNet.Solvers.TrainingLog(log));

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("W").And.EndWith("layer 'ip2' (InnerProduct) gets no weights from 'cut.caffemodel': it starts from its fillers"));
    }

    [Test]
    public void A_legacy_4D_blob_is_copied_into_a_2D_weight()
    {
        var target = TestNets.Build(TwoLayers(hidden: 1), seed: 2);
        var trained = new NetParameter();
        var ip1 = new LayerParameter { Name = "ip1" };
        ip1.Blobs.Add(new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 3, Data = { 1, 2, 3 } });
        ip1.Blobs.Add(new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 1, Data = { 4 } });
        trained.Layer.Add(ip1);

        target.CopyTrainedLayersFrom(trained);

        Assert.That(target.FindLayer("ip1")!.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(target.FindLayer("ip1")!.Blobs[1].Data.ToArray(), Is.EqualTo(new[] { 4f }));
        Assert.That(target.FindLayer("ip1")!.Blobs[0].Shape, Is.EqualTo(new[] { 1, 3 }));
    }

    [Test]
    public void Weights_of_another_shape_are_an_error_naming_the_layer_its_line_and_both_shapes()
    {
        var text = TwoLayers(hidden: 4);
        var target = TestNets.Build(text);
        var trained = TestNets.Build(TwoLayers(hidden: 5)).ToProto();

        var error = Assert.Throws<LayerNetException>(() => target.CopyTrainedLayersFrom(trained, "model.caffemodel"));

        var line = TestNets.LineOf(text, "name: \"ip1\"") - 1;
        Assert.That(error.Position?.Line, Is.EqualTo(line));
        Assert.That(
            error.Message,
            Is.EqualTo($"net.prototxt({line},1): layer 'ip1' (InnerProduct): cannot copy param 0 from model.caffemodel: shape mismatch; the stored blob is 5 3 (15), the layer's is 4 3 (12)"));
    }

    [Test]
    public void A_different_number_of_blobs_is_an_error()
    {
        var target = TestNets.Build(TwoLayers());
        var trained = new NetParameter();
        var ip1 = new LayerParameter { Name = "ip1" };
        ip1.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 4, 3 } } });
        trained.Layer.Add(ip1);

        Assert.That(() => target.CopyTrainedLayersFrom(trained), Throws.TypeOf<LayerNetException>().With.Message.Contains("weights has 1 learned blobs for this layer; the layer has 2"));
    }

    private static float[] RunWithInput(LayerNet.Nets.Net net, float[] input)
    {
        // Run every layer after the data layer, with the given input in place of the data's draw.
        input.CopyTo(net.Blob("x").Data);
        for (var i = 1; i < net.Layers.Count; i++)
        {
            net.Layers[i].Forward(net.Bottoms[i], net.Tops[i]);
        }

        return net.Blob("y").Data.ToArray();
    }
}
