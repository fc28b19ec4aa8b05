using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class FlattenLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 60, 1));

    private static LayerParameter Definition(int axis = 1, int endAxis = -1)
    {
        var parameter = new LayerParameter { Name = "flat", Type = "Flatten", FlattenParam = new FlattenParameter { Axis = axis, EndAxis = endAxis } };
        return parameter;
    }

    [TestCase(1, -1, new[] { 2, 60 })]
    [TestCase(0, -1, new[] { 120 })]
    [TestCase(2, -1, new[] { 2, 3, 20 })]
    [TestCase(1, 2, new[] { 2, 12, 5 })]
    [TestCase(-3, -2, new[] { 2, 12, 5 })]
    [TestCase(3, 3, new[] { 2, 3, 4, 5 })]
    public void Merges_the_axes_from_axis_to_end_axis(int axis, int endAxis, int[] expected)
    {
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition(axis, endAxis)));

        layer.SetUp([new Blob(2, 3, 4, 5)], [top]);

        Assert.That(top.Shape, Is.EqualTo(expected));
    }

    [Test]
    public void Forward_shares_the_bottom_values_and_gradient_without_copying()
    {
        var bottom = BlobBuilder.FromValues([2, 2, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition()));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);
        top.Diff.Fill(0.5f);
        layer.Backward([top], [true], [bottom]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f }));
        Assert.That(top.SharesDataWith(bottom), Is.True);
        Assert.That(bottom.Diff.ToArray(), Is.All.EqualTo(0.5f));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition()));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientEltwise(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void In_place_is_an_error()
    {
        var blob = new Blob(2, 3) { Name = "data" };
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([blob], [blob]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(60,1): layer 'flat' (Flatten): top 'data' is the bottom; Flatten does not work in place"));
    }

    [Test]
    public void An_end_axis_before_the_axis_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition(2, 1)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "data" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(60,1): layer 'flat' (Flatten): flatten_param.end_axis 1 (axis 1) comes before flatten_param.axis 2 (axis 2) in bottom 'data' of shape 2 3 4 (24)"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new FlattenLayer(Definition(1, 3)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 4) { Name = "data" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(60,1): layer 'flat' (Flatten): flatten_param.end_axis 3 is out of range for bottom 'data' of shape 2 3 4 (24); expected -3 <= axis < 3"));
    }
}
