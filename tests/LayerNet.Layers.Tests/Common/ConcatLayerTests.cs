using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class ConcatLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 80, 1));

    private static LayerParameter Definition(int? axis = null, uint? concatDim = null)
    {
        var p = new ConcatParameter();
        if (axis is { } a)
        {
            p.Axis = a;
        }

        if (concatDim is { } d)
        {
            p.ConcatDim = d;
        }

        var parameter = new LayerParameter { Name = "concat", Type = "Concat", ConcatParam = p };
        return parameter;
    }

    private static Blob[] HandBottoms() =>
    [
        BlobBuilder.FromValues([2, 1, 2], 1f, 2f, 3f, 4f),
        BlobBuilder.FromValues([2, 2, 2], 10f, 11f, 12f, 13f, 14f, 15f, 16f, 17f),
    ];

    [Test]
    public void Forward_joins_the_bottoms_along_axis_1_by_default()
    {
        var bottom = HandBottoms();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition()));
        layer.SetUp(bottom, [top]);

        layer.Forward(bottom, [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 10f, 11f, 12f, 13f, 3f, 4f, 14f, 15f, 16f, 17f }));
    }

    [Test]
    public void Backward_hands_each_bottom_its_part_of_the_gradient()
    {
        var bottom = HandBottoms();
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition()));
        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);
        top.Data.CopyTo(top.Diff);

        layer.Backward([top], [true, true], bottom);

        Assert.That(bottom[0].Diff.ToArray(), Is.EqualTo(bottom[0].Data.ToArray()));
        Assert.That(bottom[1].Diff.ToArray(), Is.EqualTo(bottom[1].Data.ToArray()));
    }

    [TestCase(0, new[] { 5, 3, 2 })]
    [TestCase(-3, new[] { 5, 3, 2 })]
    public void Concatenating_along_axis_0_adds_the_items(int axis, int[] expected)
    {
        var top = new Blob();
        Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition(axis))).SetUp([new Blob(2, 3, 2), new Blob(3, 3, 2)], [top]);

        Assert.That(top.Shape, Is.EqualTo(expected));
    }

    [Test]
    public void The_legacy_concat_dim_selects_the_axis()
    {
        var top = new Blob();
        Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition(concatDim: 2))).SetUp([new Blob(2, 3, 2), new Blob(2, 3, 5)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, 7 }));
    }

    [Test]
    public void A_single_bottom_is_shared_with_the_top()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition()));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        Assert.That(top.SharesDataWith(bottom), Is.True);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
    }

    [TestCase(1)]
    [TestCase(0)]
    [TestCase(-1)]
    public void Gradient_matches_finite_differences(int axis)
    {
        var random = new RandomSource(1701);
        var second = new[] { 2, 3, 2 };
        second[axis < 0 ? axis + 3 : axis] = 1;
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2), BlobBuilder.Gaussian(random, 0f, 1f, second), BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 2)];
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition(axis)));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, bottom, [new Blob()]);
    }

    [Test]
    public void Axis_and_concat_dim_together_are_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition(1, 1))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(80,1): layer 'concat' (Concat): give concat_param.axis or the legacy concat_param.concat_dim, not both"));
    }

    [Test]
    public void Bottoms_that_differ_off_the_axis_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 2) { Name = "a" }, new Blob(2, 3, 4) { Name = "b" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(80,1): layer 'concat' (Concat): bottom 1 'b' has shape 2 3 4 (24); it must match bottom 0 'a' (2 3 2 (12)) on every axis but the concatenation axis 1"));
    }

    [Test]
    public void A_concat_dim_out_of_range_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new ConcatLayer(Definition(concatDim: 3)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3, 2) { Name = "a" }, new Blob(2, 3, 2)], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(80,1): layer 'concat' (Concat): concat_param.concat_dim 3 is out of range for bottom 0 'a' of shape 2 3 2 (12); expected 0 <= axis < 3"));
    }
}
