using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class BatchNormLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 30, 1));

    private static LayerParameter Definition(Phase phase = Phase.Train, bool? useGlobalStats = null, float movingAverageFraction = 0.999f)
    {
        var p = new BatchNormParameter { MovingAverageFraction = movingAverageFraction };
        if (useGlobalStats is { } global)
        {
            p.UseGlobalStats = global;
        }

        var parameter = new LayerParameter { Name = "bn1", Type = "BatchNorm", Phase = phase, BatchNormParam = p };
        return parameter;
    }

    private static Blob[] Statistics(float mean0, float mean1, float variance0, float variance1, float factor) =>
    [
        BlobBuilder.FromValues([2], mean0, mean1),
        BlobBuilder.FromValues([2], variance0, variance1),
        BlobBuilder.FromValues([1], factor),
    ];

    [Test]
    public void Training_forward_normalises_each_channel_with_the_batch_statistics()
    {
        // One channel (a 2-D bottom of 4 x 1): mean 2.5, variance 1.25.
        var bottom = BlobBuilder.FromValues([4, 1], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition()));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        var std = MathF.Sqrt(1.25f + 1e-5f);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -1.5f / std, -0.5f / std, 0.5f / std, 1.5f / std }).Within(1e-5f));
    }

    [Test]
    public void Training_forward_accumulates_running_sums_with_the_unbiased_variance()
    {
        // Channel 0 holds 1, 3 | 5, 7 (mean 4, variance 5); channel 1 holds 2, 2 | 2, 2 (mean 2, variance 0); m = 4.
        var bottom = BlobBuilder.FromValues([2, 2, 2], 1f, 3f, 2f, 2f, 5f, 7f, 2f, 2f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(movingAverageFraction: 0.5f)));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 4f, 2f }).Within(1e-5f));
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.EqualTo(new[] { 5f * 4f / 3f, 0f }).Within(1e-5f));
        Assert.That(layer.Blobs[2].Data[0], Is.EqualTo(1f));

        // s = 0.5 s + 1, M = 0.5 M + mu, V = 0.5 V + var m / (m - 1).
        layer.Forward([bottom], [top]);
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 6f, 3f }).Within(1e-5f));
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.EqualTo(new[] { 10f, 0f }).Within(1e-5f));
        Assert.That(layer.Blobs[2].Data[0], Is.EqualTo(1.5f));

        // The zero-variance channel becomes 0, not NaN: eps keeps the division finite.
        Assert.That(top.Data[2], Is.EqualTo(0f));
    }

    [Test]
    public void Testing_forward_divides_the_stored_sums_by_the_scale_factor()
    {
        // mu = 8 / 2 = 4 and var = 18 / 2 = 9 for channel 0; mu = -2 / 2 = -1 and var = 2 / 2 = 1 for channel 1.
        var bottom = BlobBuilder.FromValues([1, 2, 2], 1f, 7f, -1f, 1f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(Phase.Test)));
        layer.SetGivenBlobs(Statistics(8f, -2f, 18f, 2f, 2f));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        Assert.That(layer.UsesGlobalStats, Is.True);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -1f, 1f, 0f, 2f / MathF.Sqrt(1f + 1e-5f) }).Within(1e-5f));
        Assert.That(layer.Blobs[2].Data[0], Is.EqualTo(2f), "testing leaves the statistics alone");
    }

    [Test]
    public void A_zero_scale_factor_reads_as_zero_mean_and_variance()
    {
        var bottom = BlobBuilder.FromValues([1, 2], 1f, -2f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(Phase.Test)));
        layer.SetGivenBlobs(Statistics(5f, 5f, 5f, 5f, 0f));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        var std = MathF.Sqrt(1e-5f);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f / std, -2f / std }).Within(1e-2f));
    }

    [TestCase(Phase.Train, null, false)]
    [TestCase(Phase.Test, null, true)]
    [TestCase(Phase.Train, true, true)]
    [TestCase(Phase.Test, false, false)]
    public void Use_global_stats_defaults_to_the_test_phase(Phase phase, bool? useGlobalStats, bool expected)
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(phase, useGlobalStats)));

        layer.SetUp([new Blob(2, 3)], [new Blob()]);

        Assert.That(layer.UsesGlobalStats, Is.EqualTo(expected));
    }

    [Test]
    public void Set_up_creates_zero_statistics_and_pins_their_learning_rates_at_zero()
    {
        var parameter = Definition();
        parameter.Param.Add(new ParamSpec { LrMult = 0f, DecayMult = 0f });
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(parameter));

        layer.SetUp([new Blob(2, 3, 4, 5)], [new Blob()]);

        Assert.That(layer.Blobs.Select(b => b.Shape), Is.EqualTo(new[] { new[] { 3 }, new[] { 3 }, new[] { 1 } }));
        Assert.That(layer.Blobs.SelectMany(b => b.Data.ToArray()), Is.All.EqualTo(0f));
        Assert.That(parameter.Param.Select(p => p.LrMult), Is.EqualTo(new[] { 0f, 0f, 0f }));
        Assert.That(parameter.Param[0].DecayMult, Is.EqualTo(0f), "a given param spec is kept");
    }

    [Test]
    public void A_learning_rate_on_the_statistics_is_an_error()
    {
        var parameter = Definition();
        parameter.Param.Add(new ParamSpec { LrMult = 0f });
        parameter.Param.Add(new ParamSpec { DecayMult = 0f });
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(parameter));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3)], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(30,1): layer 'bn1' (BatchNorm): param 1 has lr_mult 1; the batch statistics (mean, variance, scale factor) are not learnable, give lr_mult: 0 or leave param out"));
    }

    [Test]
    public void Given_statistics_of_the_wrong_shape_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition()));
        layer.SetGivenBlobs([new Blob(3), new Blob(3), new Blob(1)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,1): layer 'bn1' (BatchNorm): mean shape mismatch: the layer needs 2 (2), the given blob has 3 (3)"));
    }

    [Test]
    public void A_bottom_with_other_channels_after_set_up_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition()));
        layer.SetUp([new Blob(2, 3)], [new Blob()]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([new Blob(2, 4) { Name = "data" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,1): layer 'bn1' (BatchNorm): bottom 'data' has shape 2 4 (8); the layer was set up for 3 channels on axis 1"));
    }

    [Test]
    public void Training_gradient_matches_finite_differences()
    {
        // Caffe's test: a 5 x 2 x 3 x 4 Gaussian bottom, step 1e-2, threshold 1e-4, every top element.
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 5, 2, 3, 4);
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition()));

        new GradientChecker(1e-2f, 1e-4f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Training_gradient_in_place_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1702), 0f, 1f, 4, 3, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition()));

        new GradientChecker(1e-2f, 1e-4f).CheckGradientExhaustive(layer, [bottom], [bottom]);
    }

    [Test]
    public void Global_statistics_gradient_to_the_bottom_and_the_statistics_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1703), 0f, 1f, 3, 2, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(Phase.Test)));
        layer.SetGivenBlobs(Statistics(0.8f, -1.2f, 3f, 1.6f, 2f));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Global_statistics_gradient_in_place_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1704), 0f, 1f, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new BatchNormLayer(Definition(Phase.Train, useGlobalStats: true)));
        layer.SetGivenBlobs(Statistics(0.8f, -1.2f, 3f, 1.6f, 2f));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [bottom]);
    }
}
