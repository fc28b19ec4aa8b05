using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class TileLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 110, 1));

    private static LayerParameter Definition(int? tiles, int axis = 1)
    {
        var p = new TileParameter { Axis = axis };
        if (tiles is { } t)
        {
            p.Tiles = t;
        }

        var parameter = new LayerParameter { Name = "tile", Type = "Tile", TileParam = p };
        return parameter;
    }

    [Test]
    public void Forward_repeats_the_axes_from_axis_on_whole()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(3)));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 6 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 1f, 2f, 1f, 2f, 3f, 4f, 3f, 4f, 3f, 4f }));
    }

    [Test]
    public void Tiling_axis_0_repeats_the_whole_blob()
    {
        var bottom = BlobBuilder.FromValues([2, 1], 1f, 2f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(2, axis: 0)));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 4, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 1f, 2f }));
    }

    [Test]
    public void Backward_sums_the_gradients_of_the_copies()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(2)));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        BlobBuilder.FromValues([2, 4], 1f, 2f, 10f, 20f, 3f, 4f, 30f, 40f).Data.CopyTo(top.Diff);

        layer.Backward([top], [true], [bottom]);

        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new[] { 11f, 22f, 33f, 44f }));
    }

    [TestCase(0, 2)]
    [TestCase(1, 3)]
    [TestCase(-1, 2)]
    public void Gradient_matches_finite_differences(int axis, int tiles)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(tiles, axis)));

        new GradientChecker(1e-2f, 1e-2f).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Missing_tiles_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(null))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(110,1): layer 'tile' (Tile): tile_param.tiles must be given"));
    }

    [Test]
    public void Zero_tiles_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(0))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(110,1): layer 'tile' (Tile): tile_param.tiles 0 is invalid; expected a positive count"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new TileLayer(Definition(2, axis: 2)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3) { Name = "data" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(110,1): layer 'tile' (Tile): tile_param.axis 2 is out of range for bottom 'data' of shape 2 3 (6); expected -2 <= axis < 2"));
    }
}
