using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Testing;

namespace LayerNet.Samples.Ssd.Tests;

[TestFixture]
public sealed class PermuteLayerTests
{
    private static PermuteLayer Layer(params uint[] order)
    {
        var p = new PermuteParameter();
        p.Order.AddRange(order);
        return new PermuteLayer(LayerDefinitions.With("Permute", SsdExtensions.PermuteParam, p)) { Origin = LayerDefinitions.At };
    }

    [Test]
    public void Forward_moves_channels_last_as_SSD_heads_do()
    {
        // N x C x H x W = 2 x 3 x 2 x 2, x = its own index; order 0 2 3 1: y[n, h, w, c] = x[n, c, h, w].
        var bottom = BlobBuilder.FromValues([2, 3, 2, 2], [.. Enumerable.Range(0, 24).Select(i => (float)i)]);
        var top = new Blob();
        var layer = Layer(0, 2, 3, 1);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        var expected = new float[24];
        for (var n = 0; n < 2; n++)
        {
            for (var h = 0; h < 2; h++)
            {
                for (var w = 0; w < 2; w++)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        expected[(((((n * 2) + h) * 2) + w) * 3) + c] = (n * 12) + (c * 4) + (h * 2) + w;
                    }
                }
            }
        }

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Missing_axes_follow_in_their_own_order()
    {
        var bottom = new Blob(2, 3, 4);
        var top = new Blob();
        var layer = Layer(2);
        layer.SetUp([bottom], [top]);

        Assert.That(layer.Order, Is.EqualTo(new[] { 2, 0, 1 }));
        Assert.That(top.Shape, Is.EqualTo(new[] { 4, 2, 3 }));
    }

    [Test]
    public void The_identity_order_shares_the_bottom()
    {
        var bottom = BlobBuilder.FromValues([1, 2, 3], 1f, 2f, 3f, 4f, 5f, 6f);
        var top = new Blob();
        var layer = Layer(0, 1);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.SharesDataWith(bottom), Is.True);
        Assert.That(top.Data.ToArray(), Is.EqualTo(bottom.Data.ToArray()));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(3), 0f, 1f, 2, 3, 2, 4);
        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(Layer(0, 3, 1, 2), [bottom], [new Blob()]);
    }

    [Test]
    public void A_repeated_axis_is_an_error_naming_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer(0, 2, 2).SetUp([new Blob(1, 2, 3, 4)], [new Blob()]));
        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'l' (Permute): permute_param.order names axis 2 twice"));
    }

    [Test]
    public void An_axis_past_the_last_is_an_error_naming_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer(0, 4).SetUp([new Blob(1, 2, 3, 4)], [new Blob()]));
        Assert.That(error.Message, Does.StartWith("net.prototxt(7,1): layer 'l' (Permute): permute_param.order 4 is out of range"));
    }
}
