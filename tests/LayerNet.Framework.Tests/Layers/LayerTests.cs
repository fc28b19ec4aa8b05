using Caffe;
using LayerNet.Plugins;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Framework.Tests.Nets;
using LayerNet.Layers;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Layers;

public sealed class LayerTests
{
    private static LayerParameter Parse(string text) => ParameterExtensions.None.Reader.Parse<LayerParameter>(text, "layer.prototxt");

    private static Layer Create(string text)
    {
        var (parameter, source) = ParameterExtensions.None.Reader.ParseDocument<LayerParameter>(text, "layer.prototxt");
        return TestNets.Factory.Create(parameter, Origin.At(source.Position));
    }

    [TestCase(1, 1, "1")]
    [TestCase(2, 2, "2")]
    [TestCase(1, int.MaxValue, "at least 1")]
    [TestCase(1, 2, "1 or 2")]
    [TestCase(1, 3, "between 1 and 3")]
    public void BlobArity_describes_its_rule(int minimum, int maximum, string expected)
    {
        var arity = BlobArity.Between(minimum, maximum);

        Assert.That(arity.Describe(), Is.EqualTo(expected));
        Assert.That(arity.Allows(minimum) && arity.Allows(maximum), Is.True);
        Assert.That(arity.Allows(minimum - 1), Is.False);
    }

    [Test]
    public void SetUp_with_too_many_bottoms_names_the_expected_count()
    {
        var layer = Create("name: \"sig\" type: \"Sigmoid\"");

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2), new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("layer.prototxt(1,1): layer 'sig' (Sigmoid): expected 1 bottom blob, got 2"));
    }

    [Test]
    public void SetUp_with_too_few_bottoms_uses_the_plural()
    {
        var layer = Create("name: \"loss\" type: \"EuclideanLoss\"");

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(error.Detail, Is.EqualTo("layer 'loss' (EuclideanLoss): expected 2 bottom blobs, got 1"));
    }

    [Test]
    public void SetUp_without_a_required_top_names_the_minimum()
    {
        var layer = Create("name: \"data\" type: \"DummyData\" dummy_data_param { shape { dim: 1 } }");

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([], []));

        Assert.That(error.Detail, Is.EqualTo("layer 'data' (DummyData): expected at least 1 top blob, got 0"));
    }

    [Test]
    public void A_loss_layer_gets_loss_weight_1_on_its_first_top_by_default()
    {
        var layer = Create("name: \"loss\" type: \"EuclideanLoss\"");
        var top = new Blob();

        layer.SetUp([BlobOf(1f, 2f), BlobOf(0f, 0f)], [top]);

        Assert.That(layer.LossWeight(0), Is.EqualTo(1f));
        Assert.That(top.Diff[0], Is.EqualTo(1f), "the loss weight is the top's gradient");
        // (1^2 + 2^2) / (2 items) / 2.
        Assert.That(layer.Forward([BlobOf(1f, 2f), BlobOf(0f, 0f)], [top]), Is.EqualTo(1.25f).Within(1e-6));
    }

    [Test]
    public void A_given_loss_weight_scales_the_loss_the_layer_returns()
    {
        var layer = Create("name: \"loss\" type: \"EuclideanLoss\" loss_weight: 4");
        var top = new Blob();
        Blob[] bottom = [BlobOf(1f, 2f), BlobOf(0f, 0f)];

        layer.SetUp(bottom, [top]);

        Assert.That(layer.LossWeight(0), Is.EqualTo(4f));
        Assert.That(layer.Forward(bottom, [top]), Is.EqualTo(5f).Within(1e-6));
        Assert.That(top.Data[0], Is.EqualTo(1.25f).Within(1e-6), "the top holds the unweighted loss");
    }

    [Test]
    public void A_non_loss_layer_has_no_loss_weight_unless_given()
    {
        var layer = Create("name: \"sig\" type: \"Sigmoid\"");
        var top = new Blob();

        layer.SetUp([BlobOf(0f)], [top]);

        Assert.That(layer.LossWeight(0), Is.Zero);
        Assert.That(layer.Forward([BlobOf(0f)], [top]), Is.Zero);
    }

    [Test]
    public void Error_names_the_layer_its_type_and_its_place()
    {
        var (net, source) = ParameterExtensions.None.Reader.ParseDocument<NetParameter>("\n\n  layer { name: \"ip1\" type: \"Sigmoid\" }\n", "net.prototxt");
        var layer = TestNets.Factory.Create(net.Layer[0], Origin.At(source.Child(NetParameter.LayerFieldNumber, 0)!.Position));

        var error = layer.Error("something is wrong");

        Assert.That(error.Message, Is.EqualTo("net.prototxt(3,3): layer 'ip1' (Sigmoid): something is wrong"));
        Assert.That(error.Detail, Is.EqualTo("layer 'ip1' (Sigmoid): something is wrong"));
        Assert.That(layer.Position, Is.EqualTo(new LayerNet.Errors.SourcePosition("net.prototxt", 3, 3)));
    }

    [Test]
    public void A_layer_built_in_code_has_no_place()
    {
        var layer = TestNets.Factory.Create(new LayerParameter { Name = "s", Type = "Sigmoid" });

        var error = layer.Error("oops");

        Assert.That(error.Message, Is.EqualTo("layer 's' (Sigmoid): oops"));
        Assert.That(error.Position, Is.Null);
    }

    [Test]
    public void A_layer_without_a_phase_runs_in_TRAIN_and_keeps_a_given_phase()
    {
        Assert.That(Create("name: \"a\" type: \"Sigmoid\"").Phase, Is.EqualTo(Phase.Train));
        Assert.That(Create("name: \"a\" type: \"Sigmoid\" phase: TEST").Phase, Is.EqualTo(Phase.Test));
    }

    private static Blob BlobOf(params float[] values)
    {
        var blob = new Blob(values.Length, 1);
        values.CopyTo(blob.Data);
        return blob;
    }
}
