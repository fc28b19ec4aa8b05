using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class ReshapeLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 70, 1));

    private static LayerParameter Definition(long[] shape, int axis = 0, int numAxes = -1)
    {
        var blobShape = new BlobShape();
        blobShape.Dim.Add(shape);
        var parameter = new LayerParameter
        {
            Name = "reshape",
            Type = "Reshape",
            ReshapeParam = new ReshapeParameter { Shape = blobShape, Axis = axis, NumAxes = numAxes },
        };
        return parameter;
    }

    private static int[] TopShape(LayerParameter parameter, params int[] bottomShape)
    {
        var top = new Blob();
        Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(parameter)).SetUp([new Blob(bottomShape) { Name = "data" }], [top]);
        return top.Shape.ToArray();
    }

    private static string ErrorOf(LayerParameter parameter, params int[] bottomShape) =>
        Assert.Throws<LayerNetException>(() => TopShape(parameter, bottomShape))!.Message;

    // Caffe's cases, on a 2 x 3 x 6 x 5 bottom.
    [TestCase(new long[] { 6, 2, 3, 5 }, 0, -1, new[] { 6, 2, 3, 5 })]
    [TestCase(new long[] { 0, 3, 10, -1 }, 0, -1, new[] { 2, 3, 10, 3 })]
    [TestCase(new long[] { 0, 0, 0, 0 }, 0, -1, new[] { 2, 3, 6, 5 })]
    [TestCase(new long[] { 0, -1 }, 0, -1, new[] { 2, 90 })]
    [TestCase(new long[] { -1 }, 1, 2, new[] { 2, 18, 5 })]
    [TestCase(new long[] { 1, 1, 1 }, 0, 0, new[] { 1, 1, 1, 2, 3, 6, 5 })]
    [TestCase(new long[] { 1, 1, 1 }, 2, 0, new[] { 2, 3, 1, 1, 1, 6, 5 })]
    [TestCase(new long[] { 1, 1, 1 }, -1, 0, new[] { 2, 3, 6, 5, 1, 1, 1 })]
    [TestCase(new long[] { 5, 1 }, -2, 1, new[] { 2, 3, 6, 5, 1 })]
    [TestCase(new long[] { 0, 1, -1 }, 1, -1, new[] { 2, 3, 1, 30 })]
    public void Top_shape_follows_the_new_shape_with_0_copied_and_minus_1_inferred(long[] shape, int axis, int numAxes, int[] expected)
    {
        Assert.That(TopShape(Definition(shape, axis, numAxes), 2, 3, 6, 5), Is.EqualTo(expected));
    }

    [Test]
    public void Forward_shares_the_bottom_values_and_gradient_without_copying()
    {
        var bottom = BlobBuilder.FromValues([2, 3], 1f, 2f, 3f, 4f, 5f, 6f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([3, -1])));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);
        top.Diff.Fill(2f);
        layer.Backward([top], [true], [bottom]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        Assert.That(top.SharesDataWith(bottom), Is.True);
        Assert.That(bottom.Diff.ToArray(), Is.All.EqualTo(2f));
    }

    [Test]
    public void Reshaping_again_follows_a_new_bottom_shape()
    {
        var bottom = new Blob(2, 3, 6, 5);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([0, -1])));
        layer.SetUp([bottom], [top]);

        bottom.Reshape([4, 3, 2, 5]);
        layer.Reshape([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 4, 30 }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([0, -1, 2])));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientEltwise(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Two_inferred_dimensions_are_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([-1, 3, -1]))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): reshape_param.shape has -1 at dims 0 and 2; at most one dimension can be inferred"));
    }

    [Test]
    public void A_dimension_below_minus_one_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([2, -3]))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): reshape_param.shape dim 1 is -3; expected a size, 0 to copy the bottom's, or -1 to infer it"));
    }

    [Test]
    public void Counts_that_do_not_match_are_an_error()
    {
        Assert.That(
            ErrorOf(Definition([4, 5]), 2, 3),
            Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): the new shape 4 5 (20) has 20 elements but bottom 'data' of shape 2 3 (6) has 6; the counts must match"));
    }

    [Test]
    public void A_count_that_the_other_dimensions_do_not_divide_is_an_error()
    {
        Assert.That(
            ErrorOf(Definition([4, -1]), 2, 3),
            Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): cannot infer the -1 dimension: the count of bottom 'data' (6, shape 2 3 (6)) is not a multiple of the other dimensions' product (4)"));
    }

    [Test]
    public void A_zero_without_a_bottom_axis_to_copy_is_an_error()
    {
        Assert.That(
            ErrorOf(Definition([0, 0, 0]), 2, 3),
            Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): reshape_param.shape dim 2 is 0 (copy), but bottom 'data' of shape 2 3 (6) has no axis 2 to copy"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        Assert.That(
            ErrorOf(Definition([1], axis: 3, numAxes: 0), 2, 3),
            Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): reshape_param.axis 3 is out of range for bottom 'data' of shape 2 3 (6); expected -3 <= axis <= 2"));
    }

    [Test]
    public void In_place_is_an_error()
    {
        var blob = new Blob(2, 3) { Name = "data" };
        var layer = Layer.ConstructAt(DefinedAt, () => new ReshapeLayer(Definition([-1])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([blob], [blob]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(70,1): layer 'reshape' (Reshape): top 'data' is the bottom; Reshape does not work in place"));
    }
}
