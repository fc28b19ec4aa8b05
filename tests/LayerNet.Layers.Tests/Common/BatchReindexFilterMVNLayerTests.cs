using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class BatchReindexLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 30, 3));

    private static BatchReindexLayer Create() =>
        Layer.ConstructAt(DefinedAt, () => new BatchReindexLayer(new LayerParameter { Name = "reindex", Type = "BatchReindex" }));

    // Three items of two values: item n holds (10n, 10n + 1).
    private static Blob Items() => BlobBuilder.FromValues([3, 2], 0f, 1f, 10f, 11f, 20f, 21f);

    [Test]
    public void Forward_picks_items_by_index_truncating_as_Caffe()
    {
        var bottom = Items();
        var indices = BlobBuilder.FromValues([4], 2f, 0f, 2f, 1.9f);
        var top = new Blob();
        var layer = Create();

        layer.SetUp([bottom, indices], [top]);
        layer.Forward([bottom, indices], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 4, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 20f, 21f, 0f, 1f, 20f, 21f, 10f, 11f }));
    }

    [Test]
    public void Backward_sums_the_gradients_of_each_pick_and_zeroes_the_items_never_picked()
    {
        var bottom = Items();
        var indices = BlobBuilder.FromValues([3], 2f, 0f, 2f);
        var top = new Blob();
        var layer = Create();
        layer.SetUp([bottom, indices], [top]);
        layer.Forward([bottom, indices], [top]);
        bottom.Diff.Fill(9f);
        new[] { 1f, 2f, 3f, 4f, 5f, 6f }.CopyTo(top.Diff);

        layer.Backward([top], [true, false], [bottom, indices]);

        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(new[] { 3f, 4f, 0f, 0f, 6f, 8f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 5, 4, 3, 2);
        var indices = BlobBuilder.FromValues([6], 4f, 0f, 3f, 3f, 1f, 4f);

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(Create(), [bottom, indices], [new Blob()], checkBottom: 0);
    }

    [TestCase(3f)]
    [TestCase(-0.5f)]
    [TestCase(float.NaN)]
    public void An_index_out_of_range_is_an_error_naming_the_item_and_value(float value)
    {
        var bottom = Items();
        var indices = BlobBuilder.FromValues([2], 1f, value);
        indices.Name = "idx";
        bottom.Name = "data";
        var top = new Blob();
        var layer = Create();
        layer.SetUp([bottom, indices], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([bottom, indices], [top]));

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(30,3): layer 'reindex' (BatchReindex): index 1 of bottom 1 'idx' is {value}; expected 0 <= index < 3 (the items of bottom 0 'data')"));
    }

    [Test]
    public void Indices_of_more_than_one_axis_are_an_error_at_the_layer()
    {
        var indices = new Blob(2, 1) { Name = "idx" };

        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([Items(), indices], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,3): layer 'reindex' (BatchReindex): bottom 1 'idx' (the indices) has shape 2 1 (2); BatchReindex needs 1 axis"));
    }

    [Test]
    public void A_gradient_to_the_indices_is_an_error_and_never_forced()
    {
        var bottom = Items();
        var indices = BlobBuilder.FromValues([1], 0f);
        indices.Name = "idx";
        var top = new Blob();
        var layer = Create();
        layer.SetUp([bottom, indices], [top]);
        layer.Forward([bottom, indices], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Backward([top], [true, true], [bottom, indices]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(30,3): layer 'reindex' (BatchReindex): cannot backpropagate to bottom 1 'idx' (the indices)"));
        Assert.That(layer.AllowForceBackward(1), Is.False);
        Assert.That(layer.AllowForceBackward(0), Is.True);
    }
}

[TestFixture]
public sealed class FilterLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 40, 5));

    private static FilterLayer Create() =>
        Layer.ConstructAt(DefinedAt, () => new FilterLayer(new LayerParameter { Name = "filter", Type = "Filter" }));

    [Test]
    public void Set_up_gives_all_items_and_forward_keeps_those_with_a_non_zero_selector()
    {
        var a = BlobBuilder.FromValues([4, 2], 0f, 1f, 10f, 11f, 20f, 21f, 30f, 31f);
        var b = BlobBuilder.FromValues([4], 5f, 6f, 7f, 8f);
        var selector = BlobBuilder.FromValues([4, 1], 0f, 1f, 0f, -2f);
        var topA = new Blob();
        var topB = new Blob();
        var layer = Create();

        layer.SetUp([a, b, selector], [topA, topB]);
        Assert.That(topA.Shape, Is.EqualTo(new[] { 4, 2 }), "at set-up, as Caffe: every item");

        layer.Forward([a, b, selector], [topA, topB]);

        Assert.That(topA.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(topA.Data.ToArray(), Is.EqualTo(new[] { 10f, 11f, 30f, 31f }));
        Assert.That(topB.Data.ToArray(), Is.EqualTo(new[] { 6f, 8f }));
    }

    [Test]
    public void A_later_reshape_counts_the_kept_items()
    {
        var a = BlobBuilder.FromValues([3], 1f, 2f, 3f);
        var selector = BlobBuilder.FromValues([3], 1f, 0f, 0f);
        var top = new Blob();
        var layer = Create();
        layer.SetUp([a, selector], [top]);

        layer.Reshape([a, selector], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void Backward_returns_the_kept_gradients_to_their_places_and_zero_elsewhere()
    {
        var a = BlobBuilder.FromValues([4, 2], 0f, 1f, 10f, 11f, 20f, 21f, 30f, 31f);
        var selector = BlobBuilder.FromValues([4], 0f, 1f, 0f, 1f);
        var top = new Blob();
        var layer = Create();
        layer.SetUp([a, selector], [top]);
        layer.Forward([a, selector], [top]);
        a.Diff.Fill(9f);
        new[] { 1f, 2f, 3f, 4f }.CopyTo(top.Diff);

        layer.Backward([top], [true, false], [a, selector]);

        Assert.That(a.Diff.ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 2f, 0f, 0f, 3f, 4f }));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var a = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 4, 3, 2);
        var selector = BlobBuilder.FromValues([4], 1f, 0f, 1f, 1f);
        var layer = Create();
        var top = new Blob();
        layer.SetUp([a, selector], [top]);
        layer.Forward([a, selector], [top]);

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [a, selector], [top], checkBottom: 0);
    }

    [Test]
    public void A_top_count_other_than_the_bottoms_before_the_selector_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(2), new Blob(2), new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(40,5): layer 'filter' (Filter): expected 2 top blobs (one per bottom before the selector), got 1"));
    }

    [Test]
    public void A_selector_with_more_than_one_value_per_item_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(2, 3), new Blob(2, 2) { Name = "sel" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(40,5): layer 'filter' (Filter): the selector, bottom 1 'sel', has shape 2 2 (4); its axes after the first must be 1"));
    }

    [Test]
    public void A_bottom_with_another_item_count_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(3, 2) { Name = "x" }, new Blob(2) { Name = "sel" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(40,5): layer 'filter' (Filter): bottom 0 'x' has shape 3 2 (6); it must have as many items (first axis) as the selector 'sel' (2)"));
    }

    [Test]
    public void A_gradient_to_the_selector_is_an_error()
    {
        var a = BlobBuilder.FromValues([2], 1f, 2f);
        var selector = BlobBuilder.FromValues([2], 1f, 1f);
        selector.Name = "sel";
        var top = new Blob();
        var layer = Create();
        layer.SetUp([a, selector], [top]);
        layer.Forward([a, selector], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Backward([top], [true, true], [a, selector]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(40,5): layer 'filter' (Filter): cannot backpropagate to the selector, bottom 1 'sel'"));
        Assert.That(layer.AllowForceBackward(1), Is.False);
    }
}

[TestFixture]
public sealed class MVNLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 50, 1));

    private static MVNLayer Create(bool normalizeVariance = true, bool acrossChannels = false, float? eps = null)
    {
        var p = new MVNParameter { NormalizeVariance = normalizeVariance, AcrossChannels = acrossChannels };
        if (eps is { } value)
        {
            p.Eps = value;
        }

        return Layer.ConstructAt(DefinedAt, () => new MVNLayer(new LayerParameter { Name = "mvn", Type = "MVN", MvnParam = p }));
    }

    // One item, two channels of two values: channel 0 = (1, 3), channel 1 = (2, 6).
    private static Blob Input() => BlobBuilder.FromValues([1, 2, 1, 2], 1f, 3f, 2f, 6f);

    private static float[] Forward(MVNLayer layer, Blob bottom)
    {
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        return top.Data.ToArray();
    }

    [Test]
    public void Forward_normalises_each_channel_to_zero_mean_and_unit_variance()
    {
        // Channel 0: mean 2, deviations -1, 1, std 1. Channel 1: mean 4, deviations -2, 2, std 2.
        Assert.That(Forward(Create(), Input()), Is.EqualTo(new[] { -1f, 1f, -1f, 1f }).Within(1e-6f));
    }

    [Test]
    public void Eps_is_added_after_the_square_root_as_Caffe()
    {
        // Channel 1: std 2, so the divisor is 2 + 1 = 3 (not sqrt(4 + 1)).
        Assert.That(Forward(Create(eps: 1f), Input()), Is.EqualTo(new[] { -0.5f, 0.5f, -2f / 3f, 2f / 3f }).Within(1e-6f));
    }

    [Test]
    public void Across_channels_normalises_each_item_as_a_whole()
    {
        // Mean 3, deviations -2, 0, -1, 3, variance 14 / 4 = 3.5, std 1.8708287.
        Assert.That(Forward(Create(acrossChannels: true), Input()), Is.EqualTo(new[] { -1.0690450f, 0f, -0.5345225f, 1.6035675f }).Within(1e-6f));
    }

    [Test]
    public void Without_normalize_variance_only_the_mean_is_removed()
    {
        Assert.That(Forward(Create(normalizeVariance: false), Input()), Is.EqualTo(new[] { -1f, 1f, -2f, 2f }));
    }

    [Test]
    public void The_top_has_Caffe_four_axes()
    {
        var top = new Blob();
        Create().SetUp([new Blob(2, 3)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, 1, 1 }));
    }

    [TestCase(true, false)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(false, true)]
    public void Gradient_matches_finite_differences(bool normalizeVariance, bool acrossChannels)
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 3, 2, 2);

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(Create(normalizeVariance, acrossChannels), [bottom], [new Blob()]);
    }

    [Test]
    public void In_place_gives_the_same_values_and_gradient()
    {
        var separate = BlobBuilder.Gaussian(new RandomSource(3), 0f, 1f, 2, 3, 2, 2);
        var inPlace = BlobBuilder.Gaussian(new RandomSource(3), 0f, 1f, 2, 3, 2, 2);
        var top = new Blob();
        var layer = Create();
        var inPlaceLayer = Create();
        layer.SetUp([separate], [top]);
        inPlaceLayer.SetUp([inPlace], [inPlace]);
        layer.Forward([separate], [top]);
        inPlaceLayer.Forward([inPlace], [inPlace]);
        var diff = BlobBuilder.Gaussian(new RandomSource(4), 0f, 1f, 2, 3, 2, 2);
        diff.Data.CopyTo(top.Diff);
        diff.Data.CopyTo(inPlace.Diff);

        layer.Backward([top], [true], [separate]);
        inPlaceLayer.Backward([inPlace], [true], [inPlace]);

        Assert.That(inPlace.Data.ToArray(), Is.EqualTo(top.Data.ToArray()));
        Assert.That(inPlace.Diff.ToArray(), Is.EqualTo(separate.Diff.ToArray()));
    }

    [Test]
    public void A_bottom_of_more_than_four_axes_is_an_error_at_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Create().SetUp([new Blob(1, 1, 1, 1, 2) { Name = "x" }], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(50,1): layer 'mvn' (MVN): bottom 'x' has shape 1 1 1 1 2 (2); MVN reads at most 4 axes (num, channels, height, width)"));
    }
}
