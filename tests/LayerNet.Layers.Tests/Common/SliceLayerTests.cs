using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class SliceLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 90, 1));

    private static LayerParameter Definition(int? axis = null, uint? sliceDim = null, params uint[] slicePoints)
    {
        var p = new SliceParameter();
        if (axis is { } a)
        {
            p.Axis = a;
        }

        if (sliceDim is { } d)
        {
            p.SliceDim = d;
        }

        p.SlicePoint.Add(slicePoints);
        var parameter = new LayerParameter { Name = "slice", Type = "Slice", SliceParam = p };
        return parameter;
    }

    private static Blob[] Tops(int count) => Enumerable.Range(0, count).Select(_ => new Blob()).ToArray();

    [Test]
    public void Forward_cuts_at_the_slice_points_along_axis_1()
    {
        // 2 x 3 x 2: items [[1 2] [3 4] [5 6]] and [[7 8] [9 10] [11 12]], cut after channel 1.
        var bottom = BlobBuilder.FromValues([2, 3, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f);
        var top = Tops(2);
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(slicePoints: 1)));
        layer.SetUp([bottom], top);

        layer.Forward([bottom], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 2, 1, 2 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(top[0].Data.ToArray(), Is.EqualTo(new[] { 1f, 2f, 7f, 8f }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 3f, 4f, 5f, 6f, 9f, 10f, 11f, 12f }));
    }

    [Test]
    public void Backward_puts_each_top_gradient_in_its_place()
    {
        var bottom = BlobBuilder.FromValues([2, 3, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f);
        var top = Tops(3);
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition()));
        layer.SetUp([bottom], top);
        layer.Forward([bottom], top);
        foreach (var blob in top)
        {
            blob.Data.CopyTo(blob.Diff);
        }

        layer.Backward(top, [true], [bottom]);

        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(bottom.Data.ToArray()));
    }

    [Test]
    public void Without_slice_points_the_axis_is_shared_equally()
    {
        var top = Tops(3);
        Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(axis: -1))).SetUp([new Blob(2, 3, 6)], top);

        Assert.That(top.Select(t => t.Shape), Is.All.EqualTo(new[] { 2, 3, 2 }));
    }

    [Test]
    public void The_legacy_slice_dim_selects_the_axis()
    {
        var top = Tops(2);
        Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(sliceDim: 0, slicePoints: 3))).SetUp([new Blob(5, 2)], top);

        Assert.That(top[0].Shape, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 2, 2 }));
    }

    [Test]
    public void A_single_top_is_shared_with_the_bottom()
    {
        var bottom = BlobBuilder.FromValues([2, 2], 1f, 2f, 3f, 4f);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition()));
        layer.SetUp([bottom], [top]);

        layer.Forward([bottom], [top]);

        Assert.That(top.SharesDataWith(bottom), Is.True);
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2 }));
    }

    [TestCase(1, new uint[] { 1, 3 })]
    [TestCase(0, new uint[] { 2 })]
    [TestCase(-1, new uint[0])]
    public void Gradient_matches_finite_differences(int axis, uint[] slicePoints)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 3, 4, 2);
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(axis, null, slicePoints)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], Tops(slicePoints.Length == 0 ? 2 : slicePoints.Length + 1));
    }

    [Test]
    public void Slice_points_out_of_order_are_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(slicePoints: [2, 2]))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(90,1): layer 'slice' (Slice): slice_param.slice_point must increase strictly from above 0: slice_point 1 is 2, after 2"));
    }

    [Test]
    public void A_slice_point_past_the_axis_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(slicePoints: [1, 3])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3) { Name = "data" }], Tops(3)));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(90,1): layer 'slice' (Slice): slice_param.slice_point 3 is not inside axis 1 of bottom 'data' (2 3 (6)), whose size is 3"));
    }

    [Test]
    public void Slice_points_not_one_fewer_than_the_tops_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(slicePoints: [1])));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3)], Tops(3)));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(90,1): layer 'slice' (Slice): slice_param.slice_point must be given once between each two tops: 1 given for 3 tops"));
    }

    [Test]
    public void An_axis_the_tops_cannot_share_equally_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition()));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3) { Name = "data" }], Tops(2)));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(90,1): layer 'slice' (Slice): axis 1 of bottom 'data' (2 3 (6)) has size 3, which 2 tops cannot share equally; give slice_param.slice_point"));
    }

    [Test]
    public void Axis_and_slice_dim_together_are_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new SliceLayer(Definition(1, 1))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(90,1): layer 'slice' (Slice): give slice_param.axis or the legacy slice_param.slice_dim, not both"));
    }
}
