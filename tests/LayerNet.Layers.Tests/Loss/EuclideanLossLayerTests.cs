using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Loss;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Loss;

[TestFixture]
public sealed class EuclideanLossLayerTests
{
    private static LayerParameter Definition(float? lossWeight = null)
    {
        var parameter = new LayerParameter { Name = "loss", Type = "EuclideanLoss" };
        if (lossWeight is { } weight)
        {
            parameter.LossWeight.Add(weight);
        }

        return parameter;
    }

    [Test]
    public void Forward_is_half_the_sum_of_squared_differences_per_item()
    {
        // Differences 1, 2, 2, 3: (1 + 4 + 4 + 9) / (2 * 2 items) = 4.5.
        var a = BlobBuilder.FromValues([2, 2], 1, 2, 3, 4);
        var b = BlobBuilder.FromValues([2, 2], 0, 0, 1, 1);
        var top = new Blob();
        var layer = new EuclideanLossLayer(Definition());

        layer.SetUp([a, b], [top]);
        var loss = layer.Forward([a, b], [top]);

        Assert.That(top.AxisCount, Is.Zero);
        Assert.That(top.Data[0], Is.EqualTo(4.5f).Within(1e-6f));
        Assert.That(loss, Is.EqualTo(4.5f).Within(1e-6f));
    }

    [Test]
    public void Backward_scales_the_difference_by_the_loss_weight_over_N_with_opposite_signs()
    {
        var a = BlobBuilder.FromValues([2, 2], 1, 2, 3, 4);
        var b = BlobBuilder.FromValues([2, 2], 0, 0, 1, 1);
        var top = new Blob();
        var layer = new EuclideanLossLayer(Definition(3.7f));
        layer.SetUp([a, b], [top]);

        var loss = layer.Forward([a, b], [top]);
        layer.Backward([top], [true, true], [a, b]);

        Assert.That(loss, Is.EqualTo(3.7f * 4.5f).Within(1e-5f));
        float[] expected = [3.7f * 1 / 2, 3.7f * 2 / 2, 3.7f * 2 / 2, 3.7f * 3 / 2];
        Assert.That(a.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
        Assert.That(b.Diff.ToArray(), Is.EqualTo(Negated(expected)).Within(1e-6f));
    }

    private static float[] Negated(float[] values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = -values[i];
        }

        return result;
    }

    [Test]
    public void Both_bottoms_may_be_forced_to_backward()
    {
        var layer = new EuclideanLossLayer(Definition());

        Assert.That(layer.AllowForceBackward(0) && layer.AllowForceBackward(1), Is.True);
    }

    [Test]
    public void Gradient_matches_finite_differences_for_both_bottoms()
    {
        var random = new RandomSource(1701);
        var a = BlobBuilder.Gaussian(random, 0f, 1f, 10, 5, 1, 1);
        var b = BlobBuilder.Gaussian(random, 0f, 1f, 10, 5, 1, 1);
        var layer = new EuclideanLossLayer(Definition(3.7f));

        new GradientChecker(1e-2f, 1e-2f, 1701).CheckGradientExhaustive(layer, [a, b], [new Blob()]);
    }

    [Test]
    public void Bottoms_of_different_counts_are_an_error_naming_both_shapes()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 30, 1)), () => new EuclideanLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(64, 10) { Name = "ip2" }, new Blob(64, 11) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(30,1): layer 'loss' (EuclideanLoss): bottoms 'ip2' (64 10 (640)) and 'label' (64 11 (704)) must have the same count"));
    }
}
