using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class CropLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 120, 1));

    private static LayerParameter Definition(int axis = 2, params uint[] offsets)
    {
        var p = new CropParameter { Axis = axis };
        p.Offset.Add(offsets);
        var parameter = new LayerParameter { Name = "crop", Type = "Crop", CropParam = p };
        return parameter;
    }

    /// <summary>A blob whose every value encodes its own multi-index as digits: x[a, b, c, d] = 1000a + 100b + 10c + d.</summary>
    private static Blob Indexed(int n, int c, int h, int w)
    {
        var blob = new Blob(n, c, h, w);
        var data = blob.Data;
        var k = 0;
        for (var a = 0; a < n; a++)
        {
            for (var b = 0; b < c; b++)
            {
                for (var y = 0; y < h; y++)
                {
                    for (var x = 0; x < w; x++)
                    {
                        data[k++] = (1000 * a) + (100 * b) + (10 * y) + x;
                    }
                }
            }
        }

        return blob;
    }

    [Test]
    public void Forward_crops_the_spatial_axes_at_the_offsets()
    {
        var bottom = Indexed(2, 2, 4, 5);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(2, 1, 2)));
        layer.SetUp([bottom, new Blob(1, 1, 2, 3)], [top]);

        layer.Forward([bottom, new Blob(1, 1, 2, 3)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2, 3 }));
        Assert.That(
            top.Data.ToArray().Take(12),
            Is.EqualTo(new[] { 12f, 13f, 14f, 22f, 23f, 24f, 112f, 113f, 114f, 122f, 123f, 124f }));
        Assert.That(top.Data[^1], Is.EqualTo(1124f));
    }

    [Test]
    public void One_offset_applies_to_every_cropped_axis_and_axis_0_crops_everything()
    {
        var bottom = Indexed(3, 3, 3, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(0, 1)));
        Blob[] bottoms = [bottom, new Blob(1, 2, 1, 2)];
        layer.SetUp(bottoms, [top]);

        layer.Forward(bottoms, [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 2, 1, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1111f, 1112f, 1211f, 1212f }));
    }

    [Test]
    public void Without_offsets_the_crop_starts_at_zero()
    {
        var bottom = Indexed(1, 1, 3, 3);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(-1)));
        Blob[] bottoms = [bottom, new Blob(7, 7, 7, 2)];
        layer.SetUp(bottoms, [top]);

        layer.Forward(bottoms, [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 1, 3, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 0f, 1f, 10f, 11f, 20f, 21f }));
    }

    [Test]
    public void Backward_scatters_the_gradient_into_the_window_and_zeroes_the_rest()
    {
        var bottom = Indexed(1, 1, 3, 3);
        var reference = new Blob(1, 1, 2, 2);
        reference.Diff.Fill(7f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(2, 1)));
        layer.SetUp([bottom, reference], [top]);
        layer.Forward([bottom, reference], [top]);
        bottom.Diff.Fill(9f);
        top.Diff.Fill(1f);

        layer.Backward([top], [true, true], [bottom, reference]);

        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0f, 1f, 1f, 0f, 1f, 1f }));
        Assert.That(reference.Diff.ToArray(), Is.All.EqualTo(0f));
        Assert.That(layer.AllowForceBackward(1), Is.False);
    }

    [TestCase(2, new uint[] { 1, 2 })]
    [TestCase(1, new uint[] { 1 })]
    [TestCase(0, new uint[0])]
    public void Gradient_to_bottom_0_matches_finite_differences(int axis, uint[] offsets)
    {
        var random = new RandomSource(1701);
        Blob[] bottom = [BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5), BlobBuilder.Gaussian(random, 0f, 1f, 1, 2, 2, 3)];
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(axis, offsets)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob()], checkBottom: 0);
    }

    [Test]
    public void A_crop_past_the_bottom_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(2, 2)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 1, 4, 4) { Name = "data" }, new Blob(1, 1, 3, 3)], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(120,1): layer 'crop' (Crop): cannot crop axis 2 to size 3 at offset 2: bottom 0 'data' (1 1 4 4 (16)) has only 4 there"));
    }

    [Test]
    public void Offsets_not_one_per_cropped_axis_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition(1, 0, 0)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 1, 4, 4), new Blob(1, 1, 3, 3)], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(120,1): layer 'crop' (Crop): crop_param.offset must be given once, or once per cropped axis (3, axes 1 to 3); 2 given"));
    }

    [Test]
    public void Bottoms_with_different_axis_counts_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new CropLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(1, 1, 4, 4) { Name = "data" }, new Blob(3, 3) { Name = "like" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(120,1): layer 'crop' (Crop): bottom 0 'data' (1 1 4 4 (16)) and bottom 1 'like' (3 3 (9)) must have the same number of axes"));
    }
}
