using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Testing;

namespace LayerNet.Samples.Compat.Tests;

[TestFixture]
public sealed class BNLayerTests
{
    // Two items, two channels, a plane of three.
    private static readonly float[] Input = [1f, 2f, 6f, -1f, 0f, 4f, 3f, 5f, 7f, 2f, 2f, -3f];

    private static BNLayer Create(Phase phase = Phase.Train, bool frozen = false, float momentum = 0.9f, float slope = 2f, float bias = 0.5f)
    {
        var parameter = new LayerParameter { Name = "bn", Type = "BN", Phase = phase };
        parameter.SetExtension(CompatExtensions.BnParam, new BNParameter
        {
            SlopeFiller = new FillerParameter { Type = "constant", Value = slope },
            BiasFiller = new FillerParameter { Type = "constant", Value = bias },
            Momentum = momentum,
            Frozen = frozen,
        });
        return new BNLayer(parameter);
    }

    private static Blob Bottom() => BlobBuilder.FromValues([2, 2, 3], Input);

    [Test]
    public void Training_normalises_with_the_batch_mean_and_biased_variance_of_each_channel()
    {
        var bottom = Bottom();
        var top = new Blob();
        var layer = Create();

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        var (mean, variance) = Statistics();
        var expected = new float[Input.Length];
        for (var i = 0; i < Input.Length; i++)
        {
            var c = (i / 3) % 2;
            expected[i] = (float)((2d * (Input[i] - mean[c]) / Math.Sqrt(variance[c] + 1e-5)) + 0.5d);
        }

        Assert.That(top.Data.ToArray(), Is.EqualTo(expected).Within(2e-6f));
    }

    [Test]
    public void Training_moves_the_averages_of_the_mean_and_of_the_inverse_std()
    {
        var bottom = Bottom();
        var top = new Blob();
        var layer = Create(momentum: 0.75f);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        // From 0 and 1: average = 0.75 average + 0.25 batch value.
        var (mean, variance) = Statistics();
        Assert.That(layer.Blobs[2].Shape, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(layer.Blobs[2].Data.ToArray(), Is.EqualTo(new[] { (float)(0.25 * mean[0]), (float)(0.25 * mean[1]) }).Within(1e-6f));
        Assert.That(layer.Blobs[3].Data.ToArray(), Is.EqualTo(new[]
        {
            (float)(0.75 + (0.25 / Math.Sqrt(variance[0] + 1e-5))),
            (float)(0.75 + (0.25 / Math.Sqrt(variance[1] + 1e-5))),
        }).Within(1e-6f));
    }

    [TestCase(Phase.Test, false)]
    [TestCase(Phase.Train, true)]
    public void At_test_time_or_frozen_the_moving_averages_are_used_as_they_are(Phase phase, bool frozen)
    {
        var bottom = Bottom();
        var top = new Blob();
        var layer = Create(phase, frozen);
        layer.SetUp([bottom], [top]);
        float[] mean = [1f, -2f];
        float[] istd = [0.5f, 4f];
        mean.CopyTo(layer.Blobs[2].Data);
        istd.CopyTo(layer.Blobs[3].Data);

        layer.Forward([bottom], [top]);

        var expected = new float[Input.Length];
        for (var i = 0; i < Input.Length; i++)
        {
            var c = (i / 3) % 2;
            expected[i] = (2f * (Input[i] - mean[c]) * istd[c]) + 0.5f;
        }

        Assert.That(top.Data.ToArray(), Is.EqualTo(expected));
        Assert.That(layer.Blobs[2].Data.ToArray(), Is.EqualTo(mean), "the averages do not move");
        Assert.That(layer.Blobs[3].Data.ToArray(), Is.EqualTo(istd));
    }

    [Test]
    public void The_moving_averages_are_never_learned_and_frozen_nothing_is()
    {
        var layer = Create();
        layer.SetUp([Bottom()], [new Blob()]);
        var frozen = Create(frozen: true);
        frozen.SetUp([Bottom()], [new Blob()]);

        Assert.That(layer.Parameter.Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (1f, 1f), (1f, 1f), (0f, 0f), (0f, 0f) }));
        Assert.That(frozen.Parameter.Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (0f, 0f), (0f, 0f), (0f, 0f), (0f, 0f) }));
    }

    [TestCase(Phase.Train, false)]
    [TestCase(Phase.Train, true)]
    [TestCase(Phase.Test, false)]
    public void Gradients_match_central_differences(Phase phase, bool frozen)
    {
        var random = new RandomSource(11);
        var bottom = BlobBuilder.Gaussian(random, 1f, 2f, 3, 2, 2, 3);
        var layer = Create(phase, frozen, slope: 1.5f, bias: -0.25f);
        layer.SetUp([bottom], [new Blob()]);
        if (phase == Phase.Test || frozen)
        {
            float[] mean = [0.5f, 1.5f];
            float[] istd = [0.8f, 1.25f];
            mean.CopyTo(layer.Blobs[2].Data);
            istd.CopyTo(layer.Blobs[3].Data);
        }

        // Every blob is checked, the moving averages included: their gradients are zero while training on batch
        // statistics, and exact where the forward pass reads them.
        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void In_place_training_gives_the_out_of_place_values_and_gradients()
    {
        var random = new RandomSource(5);
        var separateBottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2);
        var inPlace = BlobBuilder.FromValues([2, 3, 2, 2], separateBottom.Data.ToArray());
        var dtop = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2, 2).Data.ToArray();
        var top = new Blob();
        var a = Create();
        var b = Create();

        a.SetUp([separateBottom], [top]);
        a.Forward([separateBottom], [top]);
        dtop.CopyTo(top.Diff);
        a.Backward([top], [true], [separateBottom]);
        b.SetUp([inPlace], [inPlace]);
        b.Forward([inPlace], [inPlace]);
        dtop.CopyTo(inPlace.Diff);
        b.Backward([inPlace], [true], [inPlace]);

        Assert.That(inPlace.Data.ToArray(), Is.EqualTo(top.Data.ToArray()));
        Assert.That(inPlace.Diff.ToArray(), Is.EqualTo(separateBottom.Diff.ToArray()));
        Assert.That(b.Blobs[0].Diff.ToArray(), Is.EqualTo(a.Blobs[0].Diff.ToArray()));
    }

    [Test]
    public void Given_blobs_of_the_wrong_shape_and_bad_parameters_are_refused_naming_the_layer()
    {
        var layer = Create();
        layer.SetGivenBlobs([new Blob(1, 3), new Blob(1, 3), new Blob(1, 3), new Blob(1, 3)]);
        var shape = Assert.Throws<LayerNetException>(() => layer.SetUp([Bottom()], [new Blob()]))!;
        var momentum = Assert.Throws<LayerNetException>(() => Create(momentum: 1.5f).SetUp([Bottom()], [new Blob()]))!;

        Assert.That(shape.Message, Does.Contain("bn").And.Contain("slope"));
        Assert.That(momentum.Message, Does.EndWith("bn_param.momentum must be in [0, 1], got 1.5"));
    }

    /// <summary>Per channel, the mean and biased variance of <see cref="Input"/> over items and the plane, in double.</summary>
    private static (double[] Mean, double[] Variance) Statistics()
    {
        var mean = new double[2];
        var variance = new double[2];
        for (var c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, Input.Length).Where(i => (i / 3) % 2 == c).Select(i => (double)Input[i]).ToArray();
            mean[c] = values.Average();
            variance[c] = values.Select(v => (v - mean[c]) * (v - mean[c])).Average();
        }

        return (mean, variance);
    }
}
