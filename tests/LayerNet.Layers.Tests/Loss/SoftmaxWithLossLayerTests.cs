using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Loss;
using LayerNet.Testing;
using LayerNet.Text;
using NormalizationMode = Caffe.LossParameter.Types.NormalizationMode;

namespace LayerNet.Layers.Tests.Loss;

[TestFixture]
public sealed class SoftmaxWithLossLayerTests
{
    private static LayerParameter Definition(LossParameter? loss = null, int? axis = null, float? lossWeight = null)
    {
        var parameter = new LayerParameter { Name = "loss", Type = "SoftmaxWithLoss", LossParam = loss };
        if (axis is { } value)
        {
            parameter.SoftmaxParam = new SoftmaxParameter { Axis = value };
        }

        if (lossWeight is { } weight)
        {
            parameter.LossWeight.Add(weight);
        }

        return parameter;
    }

    // Item 0: p = softmax(1, 2, 3) = (0.0900306, 0.2447285, 0.6652410), label 2.
    // Item 1: p = softmax(0, 0, 0) = (1/3, 1/3, 1/3), label 0.
    private static Blob Scores() => BlobBuilder.FromValues([2, 3], 1, 2, 3, 0, 0, 0);

    private static Blob Labels() => BlobBuilder.FromValues([2], 2, 0);

    [Test]
    public void Forward_is_the_mean_negative_log_probability_of_the_labels()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition());

        layer.SetUp([scores, labels], [top]);
        var loss = layer.Forward([scores, labels], [top]);

        var expected = (-Math.Log(0.66524096) + Math.Log(3)) / 2;
        Assert.That(top.AxisCount, Is.Zero);
        Assert.That(top.Data[0], Is.EqualTo(expected).Within(1e-6));
        Assert.That(loss, Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void A_second_top_receives_the_probabilities()
    {
        var scores = Scores();
        var labels = Labels();
        Blob[] top = [new Blob(), new Blob()];
        var layer = new SoftmaxWithLossLayer(Definition());

        layer.SetUp([scores, labels], top);
        var loss = layer.Forward([scores, labels], top);

        Assert.That(top[1].Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(
            top[1].Data.ToArray(),
            Is.EqualTo(new[] { 0.09003057f, 0.24472847f, 0.66524096f, 1f / 3, 1f / 3, 1f / 3 }).Within(1e-6f));
        Assert.That(loss, Is.EqualTo(top[0].Data[0]), "only the first top is a loss by default");
    }

    [Test]
    public void A_probability_that_underflows_is_floored_at_FLT_MIN()
    {
        var scores = BlobBuilder.FromValues([1, 2], 0, -200);
        var labels = BlobBuilder.FromValues([1], 1);
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition());

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo(-Math.Log(1.17549435e-38)).Within(1e-4));
    }

    [Test]
    public void Backward_is_the_probabilities_minus_the_one_hot_labels_times_the_loss_weight_over_Z()
    {
        var scores = Scores();
        var labels = Labels();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(lossWeight: 3f));
        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        layer.Backward([top], [true, false], [scores, labels]);

        float[] expected = [0.09003057f, 0.24472847f, 0.66524096f - 1f, (1f / 3) - 1f, 1f / 3, 1f / 3];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] *= 3f / 2f;
        }

        Assert.That(scores.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    // Two items, 2 classes, 2 positions each; at every position class 0 scores (0, 1) and class 1 scores (0, 0).
    // Labels (1, ignored), (1, 1): losses ln 2, ln 2 and ln(1 + e), 3 valid positions of 4, batch size 2.
    private static (Blob Scores, Blob Labels) SpatialInputs() =>
        (BlobBuilder.FromValues([2, 2, 2], 0, 1, 0, 0, 0, 1, 0, 0), BlobBuilder.FromValues([2, 1, 2], 1, 0, 1, 1));

    private static readonly double SpatialSum = (2 * Math.Log(2)) + Math.Log(1 + Math.E);

    [TestCase(NormalizationMode.Full, 4)]
    [TestCase(NormalizationMode.Valid, 3)]
    [TestCase(NormalizationMode.BatchSize, 2)]
    [TestCase(NormalizationMode.None, 1)]
    public void Normalization_divides_the_summed_loss_by_its_count(NormalizationMode mode, int divisor)
    {
        var (scores, labels) = SpatialInputs();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 0, Normalization = mode }));

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo(SpatialSum / divisor).Within(1e-6));
    }

    [TestCase(true, 3)]
    [TestCase(false, 2)]
    public void The_legacy_normalize_flag_means_VALID_or_BATCH_SIZE(bool normalize, int divisor)
    {
        var (scores, labels) = SpatialInputs();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 0, Normalize = normalize }));

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo(SpatialSum / divisor).Within(1e-6));
    }

    [Test]
    public void Normalization_takes_precedence_over_the_legacy_flag()
    {
        var (scores, labels) = SpatialInputs();
        var top = new Blob();
        var loss = new LossParameter { IgnoreLabel = 0, Normalize = false, Normalization = NormalizationMode.None };
        var layer = new SoftmaxWithLossLayer(Definition(loss));

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        Assert.That(top.Data[0], Is.EqualTo(SpatialSum).Within(1e-6));
    }

    [Test]
    public void Ignored_positions_get_no_gradient()
    {
        var (scores, labels) = SpatialInputs();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 0 }));
        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        layer.Backward([top], [true, false], [scores, labels]);

        // Item 0, position 1 (label 0, ignored) is at offsets 1 (class 0) and 3 (class 1).
        Assert.That(scores.Diff[1], Is.Zero);
        Assert.That(scores.Diff[3], Is.Zero);
        Assert.That(scores.Diff[0], Is.EqualTo(0.5f / 3).Within(1e-6f));
        Assert.That(scores.Diff[2], Is.EqualTo(-0.5f / 3).Within(1e-6f));
    }

    [Test]
    public void Without_an_ignore_label_every_position_counts()
    {
        var (scores, labels) = SpatialInputs();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition());

        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);

        // Item 0, position 1 now has label 0: -ln(e / (1 + e)) = ln(1 + 1/e).
        Assert.That(top.Data[0], Is.EqualTo((SpatialSum + Math.Log(1 + (1 / Math.E))) / 4).Within(1e-6));
    }

    [Test]
    public void A_label_out_of_range_stops_forward_naming_the_item_and_the_label()
    {
        var scores = Scores();
        var labels = BlobBuilder.FromValues([2], 2, 3);
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition());
        layer.SetUp([scores, labels], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([scores, labels], [top]));

        Assert.That(error.Message, Is.EqualTo("layer 'loss' (SoftmaxWithLoss): label 3 of item 1 is out of range; expected 0 to 2"));
    }

    [Test]
    public void A_NaN_label_is_out_of_range_not_class_zero()
    {
        var scores = Scores();
        var labels = BlobBuilder.FromValues([2], 0f, float.NaN);
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 0 }));
        layer.SetUp([scores, labels], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([scores, labels], [top]));

        Assert.That(error.Message, Is.EqualTo("layer 'loss' (SoftmaxWithLoss): label NaN of item 1 is out of range; expected 0 to 2 (or ignore_label 0)"));
    }

    [Test]
    public void The_ignore_label_is_still_skipped_and_named_when_another_label_is_out_of_range()
    {
        var scores = Scores();
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 255 }));
        var ignored = BlobBuilder.FromValues([2], 255, 0);
        layer.SetUp([scores, ignored], [top]);

        layer.Forward([scores, ignored], [top]);
        var bad = BlobBuilder.FromValues([2], 255, -1);
        var error = Assert.Throws<LayerNetException>(() => layer.Forward([scores, bad], [top]));

        Assert.That(top.Data[0], Is.EqualTo(Math.Log(3)).Within(1e-6), "item 1 alone: -ln(1/3)");
        Assert.That(error.Message, Is.EqualTo("layer 'loss' (SoftmaxWithLoss): label -1 of item 1 is out of range; expected 0 to 2 (or ignore_label 255)"));
    }

    [Test]
    public void A_bad_label_of_a_spatial_loss_is_named_by_item_and_position()
    {
        var scores = new Blob(2, 3, 2);
        var labels = BlobBuilder.FromValues([2, 2], 0, 1, 2, 7);
        var top = new Blob();
        var layer = new SoftmaxWithLossLayer(Definition());
        layer.SetUp([scores, labels], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([scores, labels], [top]));

        Assert.That(error.Message, Is.EqualTo("layer 'loss' (SoftmaxWithLoss): label 7 of item 1 at position 1 is out of range; expected 0 to 2"));
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void A_bad_label_in_a_net_stops_forward_with_the_model_file_position(Phase phase)
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "score" top: "label" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }
            """;

        var error = TextNets.ForwardError(Text, phase, ("label", [1f, 10f]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'loss' (SoftmaxWithLoss): label 10 of item 1 is out of range; expected 0 to 2"));
    }

    [Test]
    public void Labels_cannot_be_forced_to_backward()
    {
        var layer = new SoftmaxWithLossLayer(Definition());

        Assert.That(layer.AllowForceBackward(0), Is.True);
        Assert.That(layer.AllowForceBackward(1), Is.False);
    }

    private static (Blob Scores, Blob Labels) RandomInputs()
    {
        var random = new RandomSource(1701);
        var scores = BlobBuilder.Gaussian(random, 0f, 10f, 10, 5, 2, 3);
        var labels = new Blob(10, 1, 2, 3);
        for (var i = 0; i < labels.Count; i++)
        {
            labels.Data[i] = random.NextInt(5);
        }

        return (scores, labels);
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var (scores, labels) = RandomInputs();
        var layer = new SoftmaxWithLossLayer(Definition());

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    [Test]
    public void Gradient_with_an_ignore_label_matches_finite_differences()
    {
        var (scores, labels) = RandomInputs();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { IgnoreLabel = 0 }));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    [Test]
    public void Gradient_unnormalised_matches_finite_differences()
    {
        var (scores, labels) = RandomInputs();
        var layer = new SoftmaxWithLossLayer(Definition(new LossParameter { Normalize = false }));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    [Test]
    public void Gradient_along_the_last_axis_matches_finite_differences()
    {
        var random = new RandomSource(7);
        var scores = BlobBuilder.Gaussian(random, 0f, 3f, 2, 3, 4);
        var labels = new Blob(2, 3);
        for (var i = 0; i < labels.Count; i++)
        {
            labels.Data[i] = random.NextInt(4);
        }

        var layer = new SoftmaxWithLossLayer(Definition(axis: -1));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, labels], [new Blob()], 0);
    }

    [Test]
    public void A_label_count_other_than_one_per_position_is_an_error()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 50, 1)), () => new SoftmaxWithLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(2, 3, 4) { Name = "score" }, new Blob(2, 3) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(50,1): layer 'loss' (SoftmaxWithLoss): bottom 'label' (2 3 (6)) must hold one label per position of 'score' (2 3 4 (24)) around the softmax axis 1: 2 x 4 = 8 labels, each in [0, 3)"));
    }

    [Test]
    public void A_softmax_axis_out_of_range_is_an_error_naming_this_layer()
    {
        var parameter = Definition(axis: 2);
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 50, 1)), () => new SoftmaxWithLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(2, 3) { Name = "score" }, new Blob(2) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(50,1): layer 'loss' (SoftmaxWithLoss): softmax_param.axis 2 is out of range for bottom 'score' of shape 2 3 (6); expected -2 <= axis < 2"));
    }

    [Test]
    public void An_unknown_normalization_is_an_error()
    {
        var parameter = Definition(new LossParameter { Normalization = (NormalizationMode)7 });

        var error = Assert.Throws<LayerNetException>(() => new SoftmaxWithLossLayer(parameter));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'loss' (SoftmaxWithLoss): loss_param.normalization 7 is unknown; expected FULL, VALID, BATCH_SIZE or NONE"));
    }
}
