using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Loss;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Loss;

[TestFixture]
public sealed class HingeLossLayerTests
{
    private static LayerParameter Definition(HingeLossParameter.Types.Norm? norm = null)
    {
        var parameter = new LayerParameter { Name = "hinge", Type = "HingeLoss" };
        if (norm is { } value)
        {
            parameter.HingeLossParam = new HingeLossParameter { Norm = value };
        }

        return parameter;
    }

    // Item 0 (label 0): h = max(0, 1 - 2), max(0, 1 - 0.5), max(0, 1 + 0.3) = 0, 0.5, 1.3.
    // Item 1 (label 2): h = max(0, 1 + 0.2), max(0, 1 + 1.5), max(0, 1 + 2) = 1.2, 2.5, 3.
    private static Blob Scores() => BlobBuilder.FromValues([2, 3], 2f, -0.5f, 0.3f, 0.2f, 1.5f, -2f);

    private static Blob Labels() => BlobBuilder.FromValues([2], 0f, 2f);

    [Test]
    public void Forward_L1_is_the_sum_of_hinges_over_N()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new HingeLossLayer(Definition());

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo(8.5f / 2f).Within(1e-6f));
    }

    [Test]
    public void Forward_L2_is_the_sum_of_squared_hinges_over_N()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new HingeLossLayer(Definition(HingeLossParameter.Types.Norm.L2));

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo((0.25f + 1.69f + 1.44f + 6.25f + 9f) / 2f).Within(1e-5f));
    }

    [Test]
    public void Backward_L1_is_minus_t_where_the_hinge_is_active_over_N()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new HingeLossLayer(Definition());
        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        layer.Backward([top], [true, false], [scores, labels]);

        Assert.That(scores.Diff.ToArray(), Is.EqualTo(new[] { 0f, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f }).Within(1e-6f));
    }

    [Test]
    public void Backward_L2_is_minus_2_t_h_over_N()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new HingeLossLayer(Definition(HingeLossParameter.Types.Norm.L2));
        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        layer.Backward([top], [true, false], [scores, labels]);

        Assert.That(scores.Diff.ToArray(), Is.EqualTo(new[] { 0f, 0.5f, 1.3f, 1.2f, 2.5f, -3f }).Within(1e-6f));
    }

    [Test]
    public void Labels_cannot_be_forced_to_backward()
    {
        var layer = new HingeLossLayer(Definition());

        Assert.That(layer.AllowForceBackward(1), Is.False);
    }

    [Test]
    public void Gradient_L1_matches_finite_differences()
    {
        var (scores, labels) = RandomInputs();
        var layer = new HingeLossLayer(Definition());

        // Values within 0.01 of |x| = 1 sit on the hinge's kink and are skipped, as in Caffe's test.
        new GradientChecker(1e-2f, 2e-3f, 1701, 1f, 0.01f).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    [Test]
    public void Gradient_L2_matches_finite_differences()
    {
        var (scores, labels) = RandomInputs();
        var layer = new HingeLossLayer(Definition(HingeLossParameter.Types.Norm.L2));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    private static (Blob Scores, Blob Labels) RandomInputs()
    {
        var random = new RandomSource(1701);
        var scores = BlobBuilder.Gaussian(random, 0f, 10f, 10, 5, 1, 1);
        var labels = new Blob(10, 1, 1, 1);
        for (var i = 0; i < labels.Count; i++)
        {
            labels.Data[i] = random.NextInt(5);
        }

        return (scores, labels);
    }

    [Test]
    public void A_label_count_other_than_one_per_item_is_an_error()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 40, 1)), () => new HingeLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(2, 3) { Name = "score" }, new Blob(2, 2) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(40,1): layer 'hinge' (HingeLoss): bottom 'label' (2 2 (4)) must hold one label per item of 'score' (2 3 (6)): 2 labels"));
    }

    [Test]
    public void An_unknown_norm_is_an_error()
    {
        var parameter = Definition((HingeLossParameter.Types.Norm)3);

        var error = Assert.Throws<LayerNetException>(() => new HingeLossLayer(parameter));

        Assert.That(error.Message, Is.EqualTo("layer 'hinge' (HingeLoss): hinge_loss_param.norm 3 is unknown; expected L1 or L2"));
    }

    [TestCase(3f, "label 3 of item 1 is out of range; expected 0 to 2")]
    [TestCase(-1f, "label -1 of item 1 is out of range; expected 0 to 2")]
    [TestCase(float.NaN, "label NaN of item 1 is out of range; expected 0 to 2")]
    public void A_label_out_of_range_stops_forward_naming_the_item_and_the_label(float label, string expected)
    {
        var scores = Scores();
        var labels = BlobBuilder.FromValues([2], 0f, label);
        var top = new Blob();
        var layer = new HingeLossLayer(Definition());
        layer.SetUp([scores, labels], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([scores, labels], [top]));

        Assert.That(error.Message, Is.EqualTo($"layer 'hinge' (HingeLoss): {expected}"));
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void A_bad_label_in_a_net_stops_forward_with_the_model_file_position(Phase phase)
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "score" top: "label" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }
            layer { name: "hinge" type: "HingeLoss" bottom: "score" bottom: "label" top: "loss" }
            """;

        var error = TextNets.ForwardError(Text, phase, ("label", [5f, 0f]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'hinge' (HingeLoss): label 5 of item 0 is out of range; expected 0 to 2"));
    }
}
