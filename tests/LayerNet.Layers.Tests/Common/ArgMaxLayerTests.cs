using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class ArgMaxLayerTests
{
    private static LayerParameter Definition(uint? topK = null, bool outMaxValue = false, int? axis = null)
    {
        var p = new ArgMaxParameter { OutMaxVal = outMaxValue };
        if (topK is { } k)
        {
            p.TopK = k;
        }

        if (axis is { } value)
        {
            p.Axis = value;
        }

        return new LayerParameter { Name = "argmax", Type = "ArgMax", ArgmaxParam = p };
    }

    // Item 0 has its max, 5, twice (indices 1 and 3); item 1 is all at most 0.
    private static Blob Items() => BlobBuilder.FromValues([2, 4], 1, 5, 3, 5, -1, -2, 0, -3);

    private static Blob Run(LayerParameter parameter, Blob bottom)
    {
        var top = new Blob();
        var layer = new ArgMaxLayer(parameter);
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        return top;
    }

    [Test]
    public void Forward_gives_the_index_of_each_items_max_a_tie_going_to_the_larger_index()
    {
        var top = Run(Definition(), Items());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 2f }));
    }

    [Test]
    public void Top_k_gives_the_indices_of_the_k_largest_largest_first()
    {
        var top = Run(Definition(3), Items());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 1f, 2f, 2f, 0f, 1f }));
    }

    [Test]
    public void Out_max_val_without_an_axis_gives_the_indices_then_the_values()
    {
        var top = Run(Definition(2, outMaxValue: true), Items());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 3f, 1f, 5f, 5f, 2f, 0f, 0f, -1f }));
    }

    [Test]
    public void Without_an_axis_the_top_keeps_the_bottoms_axis_count()
    {
        var top = Run(Definition(), BlobBuilder.FromValues([2, 3, 1, 1], 1, 2, 3, 6, 5, 4));

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 1, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 2f, 0f }));
    }

    // Shape 2 x 3 x 2; along axis 1, item 0 has columns (1, 4, 3) and (6, 2, 5), item 1 (0, 1, 2) and (0, 1, -1).
    private static Blob Spatial() => BlobBuilder.FromValues([2, 3, 2], 1, 6, 4, 2, 3, 5, 0, 0, 1, 1, 2, -1);

    [Test]
    public void With_an_axis_the_indices_are_taken_along_it()
    {
        var top = Run(Definition(axis: 1), Spatial());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 0f, 2f, 1f }));
    }

    [Test]
    public void With_an_axis_and_out_max_val_the_values_are_given()
    {
        var top = Run(Definition(axis: 1, outMaxValue: true), Spatial());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 1, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 4f, 6f, 2f, 1f }));
    }

    [Test]
    public void With_an_axis_top_k_replaces_its_dimension()
    {
        var top = Run(Definition(2, axis: 1), Spatial());

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 1f, 0f, 2f, 2f, 2f, 1f, 1f, 0f }));
    }

    [Test]
    public void The_axis_may_be_the_first_or_counted_from_the_end()
    {
        var bottom = BlobBuilder.FromValues([3, 2], 1, 2, 3, 0, 2, 5);

        Assert.That(Run(Definition(axis: 0), bottom).Data.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(Run(Definition(axis: -1), bottom).Data.ToArray(), Is.EqualTo(new[] { 1f, 0f, 1f }));
    }

    [Test]
    public void There_is_no_backward()
    {
        var layer = new ArgMaxLayer(Definition());

        Assert.That(layer.HasBackward, Is.False);
        Assert.That(layer.AllowForceBackward(0), Is.False);
    }

    [Test]
    public void A_top_k_above_the_entries_per_item_is_an_error()
    {
        var parameter = Definition(5);
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 90, 1)), () => new ArgMaxLayer(parameter));
        var bottom = Items();
        bottom.Name = "score";

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([bottom], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(90,1): layer 'argmax' (ArgMax): argmax_param.top_k 5 exceeds the 4 entries per item of bottom 'score' (2 4 (8))"));
    }

    [Test]
    public void A_top_k_above_the_axis_dimension_is_an_error()
    {
        var layer = new ArgMaxLayer(Definition(4, axis: 1));
        var bottom = Spatial();
        bottom.Name = "score";

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([bottom], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'argmax' (ArgMax): argmax_param.top_k 4 exceeds the dimension 3 of axis 1 of bottom 'score' (2 3 2 (12))"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = new ArgMaxLayer(Definition(axis: -4));
        var bottom = Spatial();
        bottom.Name = "score";

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([bottom], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'argmax' (ArgMax): argmax_param.axis -4 is out of range for bottom 'score' of shape 2 3 2 (12); expected -3 <= axis < 3"));
    }

    [Test]
    public void A_top_k_of_zero_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => new ArgMaxLayer(Definition(0)));

        Assert.That(error.Message, Is.EqualTo("layer 'argmax' (ArgMax): argmax_param.top_k 0 is out of range; expected at least 1"));
    }
}
