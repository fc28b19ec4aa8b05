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
public sealed class SigmoidCrossEntropyLossLayerTests
{
    private static LayerParameter Definition(LossParameter? loss = null, float? lossWeight = null)
    {
        var parameter = new LayerParameter { Name = "loss", Type = "SigmoidCrossEntropyLoss", LossParam = loss };
        if (lossWeight is { } weight)
        {
            parameter.LossWeight.Add(weight);
        }

        return parameter;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    // -[t log s(x) + (1 - t) log(1 - s(x))], the definition, in double; fine away from saturation.
    private static double CrossEntropy(double x, double t) => -((t * Math.Log(Sigmoid(x))) + ((1 - t) * Math.Log(1 - Sigmoid(x))));

    [Test]
    public void Forward_is_the_cross_entropy_summed_over_elements_and_divided_by_the_batch_size()
    {
        // x = 100 with t = 0 costs 100: the naive form would take log(1 - s(100)) = log(0) in single precision.
        var scores = BlobBuilder.FromValues([2, 2], 0, 2, -3, 100);
        var targets = BlobBuilder.FromValues([2, 2], 1, 0, 0.5f, 0);
        var top = new Blob();
        var layer = new SigmoidCrossEntropyLossLayer(Definition());

        layer.SetUp([scores, targets], [top]);
        var loss = layer.Forward([scores, targets], [top]);

        var expected = (CrossEntropy(0, 1) + CrossEntropy(2, 0) + CrossEntropy(-3, 0.5) + 100) / 2;
        Assert.That(top.Data[0], Is.EqualTo(expected).Within(1e-4));
        Assert.That(loss, Is.EqualTo(top.Data[0]));
    }

    [Test]
    public void Backward_is_the_sigmoid_minus_the_target_times_the_loss_weight_over_Z()
    {
        var scores = BlobBuilder.FromValues([2, 2], 0, 2, -3, 100);
        var targets = BlobBuilder.FromValues([2, 2], 1, 0, 0.5f, 0);
        var top = new Blob();
        var layer = new SigmoidCrossEntropyLossLayer(Definition(lossWeight: 4f));
        layer.SetUp([scores, targets], [top]);
        layer.Forward([scores, targets], [top]);

        layer.Backward([top], [true, false], [scores, targets]);

        float[] expected = [(float)(2 * (0.5 - 1)), (float)(2 * Sigmoid(2)), (float)(2 * (Sigmoid(-3) - 0.5)), 2f];
        Assert.That(scores.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    // Six elements over 2 items; targets of -1 are ignored, leaving (0, 1), (-3, 0.5) and (0, 0): 3 valid of 6.
    private static (Blob Scores, Blob Targets) IgnoreInputs() =>
        (BlobBuilder.FromValues([2, 3], 0, 2, -3, 1, 0, 0), BlobBuilder.FromValues([2, 3], 1, -1, 0.5f, -1, -1, 0));

    private static readonly double ValidSum = CrossEntropy(0, 1) + CrossEntropy(-3, 0.5) + CrossEntropy(0, 0);

    [TestCase(NormalizationMode.Full, 6)]
    [TestCase(NormalizationMode.Valid, 3)]
    [TestCase(NormalizationMode.BatchSize, 2)]
    [TestCase(NormalizationMode.None, 1)]
    public void Normalization_divides_the_summed_loss_by_its_count(NormalizationMode mode, int divisor)
    {
        var (scores, targets) = IgnoreInputs();
        var top = new Blob();
        var layer = new SigmoidCrossEntropyLossLayer(Definition(new LossParameter { IgnoreLabel = -1, Normalization = mode }));

        layer.SetUp([scores, targets], [top]);
        layer.Forward([scores, targets], [top]);

        Assert.That(top.Data[0], Is.EqualTo(ValidSum / divisor).Within(1e-6));
    }

    [TestCase(null, 2)]
    [TestCase(true, 3)]
    [TestCase(false, 2)]
    public void Without_normalization_the_legacy_flag_decides_and_the_default_is_BATCH_SIZE(bool? normalize, int divisor)
    {
        var (scores, targets) = IgnoreInputs();
        var top = new Blob();
        var loss = new LossParameter { IgnoreLabel = -1 };
        if (normalize is { } value)
        {
            loss.Normalize = value;
        }

        var layer = new SigmoidCrossEntropyLossLayer(Definition(loss));

        layer.SetUp([scores, targets], [top]);
        layer.Forward([scores, targets], [top]);

        Assert.That(top.Data[0], Is.EqualTo(ValidSum / divisor).Within(1e-6));
    }

    [Test]
    public void Ignored_elements_get_no_gradient()
    {
        var (scores, targets) = IgnoreInputs();
        var top = new Blob();
        var layer = new SigmoidCrossEntropyLossLayer(Definition(new LossParameter { IgnoreLabel = -1, Normalization = NormalizationMode.Valid }));
        layer.SetUp([scores, targets], [top]);
        layer.Forward([scores, targets], [top]);

        layer.Backward([top], [true, false], [scores, targets]);

        float[] expected = [(float)((0.5 - 1) / 3), 0f, (float)((Sigmoid(-3) - 0.5) / 3), 0f, 0f, (float)(0.5 / 3)];
        Assert.That(scores.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Targets_cannot_be_forced_to_backward()
    {
        var layer = new SigmoidCrossEntropyLossLayer(Definition());

        Assert.That(layer.AllowForceBackward(1), Is.False);
    }

    private static (Blob Scores, Blob Targets) RandomInputs()
    {
        var random = new RandomSource(1701);
        return (BlobBuilder.Gaussian(random, 0f, 1f, 10, 5, 1, 1), BlobBuilder.Uniform(random, 0f, 1f, 10, 5, 1, 1));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var (scores, targets) = RandomInputs();
        var layer = new SigmoidCrossEntropyLossLayer(Definition());

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, targets], [new Blob()], 0);
    }

    [Test]
    public void Gradient_with_ignored_targets_matches_finite_differences()
    {
        var (scores, targets) = RandomInputs();
        for (var i = 0; i < targets.Count; i += 3)
        {
            targets.Data[i] = -1f;
        }

        var layer = new SigmoidCrossEntropyLossLayer(Definition(new LossParameter { IgnoreLabel = -1, Normalization = NormalizationMode.Valid }));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [scores, targets], [new Blob()], 0);
    }

    [Test]
    public void Bottoms_of_different_counts_are_an_error()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 60, 1)), () => new SigmoidCrossEntropyLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(4, 3) { Name = "score" }, new Blob(4, 2) { Name = "target" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(60,1): layer 'loss' (SigmoidCrossEntropyLoss): bottoms 'score' (4 3 (12)) and 'target' (4 2 (8)) must have the same count: one target per score"));
    }
}
