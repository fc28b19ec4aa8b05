using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Testing;

namespace LayerNet.Samples.Compat.Tests;

[TestFixture]
public sealed class AxpyLayerTests
{
    private static AxpyLayer Create() => new(new LayerParameter { Name = "axpy", Type = "Axpy" });

    [Test]
    public void Forward_is_a_times_x_plus_y_with_one_factor_per_item_and_channel()
    {
        var a = BlobBuilder.FromValues([2, 2, 1, 1], 2f, -1f, 0.5f, 0f);
        var x = BlobBuilder.FromValues([2, 2, 1, 3], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f);
        var y = BlobBuilder.FromValues([2, 2, 1, 3], 10f, 20f, 30f, 40f, 50f, 60f, 70f, 80f, 90f, 100f, 110f, 120f);
        var top = new Blob();
        var layer = Create();

        layer.SetUp([a, x, y], [top]);
        layer.Forward([a, x, y], [top]);

        // Item 0: 2 (1 2 3) + (10 20 30), -1 (4 5 6) + (40 50 60); item 1: 0.5 (7 8 9) + (70 80 90), 0 (10 11 12) + (100 110 120).
        float[] expected = [12f, 24f, 36f, 36f, 45f, 54f, 73.5f, 84f, 94.5f, 100f, 110f, 120f];
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 1, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Factors_may_be_two_dimensional_and_the_top_may_be_y()
    {
        var a = BlobBuilder.FromValues([1, 2], 3f, -2f);
        var x = BlobBuilder.FromValues([1, 2, 2], 1f, 2f, 3f, 4f);
        var y = BlobBuilder.FromValues([1, 2, 2], 1f, 1f, 1f, 1f);
        var layer = Create();

        layer.SetUp([a, x, y], [y]);
        layer.Forward([a, x, y], [y]);

        Assert.That(y.Data.ToArray(), Is.EqualTo(new[] { 4f, 7f, -5f, -7f }));
    }

    [Test]
    public void Gradients_match_central_differences_for_all_three_bottoms()
    {
        var random = new RandomSource(7);
        var a = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 1, 1);
        var x = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var y = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientExhaustive(Create(), [a, x, y], [new Blob()]);
    }

    [Test]
    public void Backward_in_place_over_y_gives_the_out_of_place_gradients()
    {
        var random = new RandomSource(3);
        var a = BlobBuilder.Gaussian(random, 0f, 1f, 1, 2, 1, 1);
        var x = BlobBuilder.Gaussian(random, 0f, 1f, 1, 2, 3, 3);
        var y = BlobBuilder.Gaussian(random, 0f, 1f, 1, 2, 3, 3);
        var dtop = BlobBuilder.Gaussian(random, 0f, 1f, 1, 2, 3, 3).Data.ToArray();
        var yInPlace = BlobBuilder.FromValues([1, 2, 3, 3], y.Data.ToArray());
        var (aOut, xOut) = (Copy(a), Copy(x));

        var separate = new Blob();
        var layer = Create();
        layer.SetUp([a, x, y], [separate]);
        layer.Forward([a, x, y], [separate]);
        dtop.CopyTo(separate.Diff);
        layer.Backward([separate], [true, true, true], [a, x, y]);

        var inPlace = Create();
        inPlace.SetUp([aOut, xOut, yInPlace], [yInPlace]);
        inPlace.Forward([aOut, xOut, yInPlace], [yInPlace]);
        dtop.CopyTo(yInPlace.Diff);
        inPlace.Backward([yInPlace], [true, true, true], [aOut, xOut, yInPlace]);

        Assert.That(yInPlace.Data.ToArray(), Is.EqualTo(separate.Data.ToArray()));
        Assert.That(aOut.Diff.ToArray(), Is.EqualTo(a.Diff.ToArray()));
        Assert.That(xOut.Diff.ToArray(), Is.EqualTo(x.Diff.ToArray()));
        Assert.That(yInPlace.Diff.ToArray(), Is.EqualTo(y.Diff.ToArray()));
    }

    [TestCase(new[] { 2, 3, 1, 1 }, new[] { 2, 2, 4, 4 }, new[] { 2, 2, 4, 4 }, "bottom 0 'a' has shape 2 3 1 1 (6); Axpy needs one factor per item and channel of bottom 1 'x' (2 x 2, or 2 x 2 x 1 x 1)")]
    [TestCase(new[] { 2, 2, 2, 1 }, new[] { 2, 2, 4, 4 }, new[] { 2, 2, 4, 4 }, "bottom 0 'a' has shape 2 2 2 1 (8); Axpy needs one factor per item and channel of bottom 1 'x' (2 x 2, or 2 x 2 x 1 x 1)")]
    [TestCase(new[] { 2, 2, 1, 1 }, new[] { 2, 2, 4, 4 }, new[] { 2, 2, 4, 3 }, "bottoms 1 'x' and 2 'y' must have one shape, got 2 2 4 4 (64) and 2 2 4 3 (48)")]
    public void Shapes_that_do_not_fit_are_refused_naming_the_layer(int[] aShape, int[] xShape, int[] yShape, string message)
    {
        var a = new Blob(aShape) { Name = "a" };
        var x = new Blob(xShape) { Name = "x" };
        var y = new Blob(yShape) { Name = "y" };

        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([a, x, y], [new Blob()]))!;

        Assert.That(error.Message, Does.EndWith(message));
        Assert.That(error.Message, Does.Contain("axpy"));
    }

    [Test]
    public void The_top_may_not_be_x()
    {
        var x = new Blob(1, 2, 2, 2) { Name = "x" };

        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(1, 2, 1, 1), x, new Blob(1, 2, 2, 2)], [x]))!;

        Assert.That(error.Message, Does.EndWith("top 0 'x' is the bottom; Axpy does not work in place"));
    }

    private static Blob Copy(Blob blob) => BlobBuilder.FromValues([.. blob.Shape], blob.Data.ToArray());
}
