using LayerNet.Blobs;
using LayerNet.Errors;

namespace LayerNet.Samples.Ssd.Tests;

[TestFixture]
public sealed class PriorBoxLayerTests
{
    private static Blob Run(PriorBoxParameter p, int featureHeight, int featureWidth, int imageHeight, int imageWidth)
    {
        var layer = new PriorBoxLayer(LayerDefinitions.With("PriorBox", SsdExtensions.PriorBoxParam, p)) { Origin = LayerDefinitions.At };
        var feature = new Blob(1, 4, featureHeight, featureWidth);
        var image = new Blob(1, 3, imageHeight, imageWidth);
        var top = new Blob();
        layer.SetUp([feature, image], [top]);
        layer.Forward([feature, image], [top]);
        return top;
    }

    [Test]
    public void Priors_come_min_size_then_sqrt_min_max_then_the_ratios()
    {
        // 2 x 2 cells over an 8 x 8 image: step 4, first centre (2, 2). min 4, max 8 (sqrt(32) = 5.656854), ratios
        // 1, 2, 1/2: 4 priors a cell.
        var p = new PriorBoxParameter { Flip = true };
        p.MinSize.Add(4f);
        p.MaxSize.Add(8f);
        p.AspectRatio.Add(2f);
        p.Variance.Add(0.1f);
        var top = Run(p, 2, 2, 8, 8);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 2, 64 }));
        var half = Math.Sqrt(32) / 2; // 2.828427
        var wide = 4 * Math.Sqrt(2) / 2; // half of 4 sqrt(2) = 5.656854: the ratios scale min_size, not sqrt(min max)
        var high = 4 / Math.Sqrt(2) / 2; // half of 4 / sqrt(2) = 2.828427
        double[] firstCell =
        [
            0, 0, 0.5, 0.5,                                                  // 4 x 4 around (2, 2)
            (2 - half) / 8, (2 - half) / 8, (2 + half) / 8, (2 + half) / 8,  // sqrt(4 * 8) square
            (2 - wide) / 8, (2 - high) / 8, (2 + wide) / 8, (2 + high) / 8,  // ratio 2: 5.66 wide, 2.83 high
            (2 - high) / 8, (2 - wide) / 8, (2 + high) / 8, (2 + wide) / 8,  // ratio 1/2: 2.83 wide, 5.66 high
        ];
        Assert.That(top.Data[..16].ToArray().Select(v => (double)v), Is.EqualTo(firstCell).Within(1e-6));
        // The last cell (h 1, w 1) is centred on (6, 6): its first prior is 4 x 4 around it.
        Assert.That(top.Data.Slice(48, 4).ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f, 1f, 1f }).Within(1e-6f));
        Assert.That(top.Data.Slice(64, 64).ToArray(), Has.All.EqualTo(0.1f));
    }

    [Test]
    public void Clip_step_offset_and_four_variances()
    {
        // One min_size of 6 on a 1 x 2 map, image 10 x 10 given, step 5, offset 0: centres (0, 0) and (5, 0).
        var p = new PriorBoxParameter { Clip = true, ImgSize = 10, Step = 5, Offset = 0f };
        p.MinSize.Add(6f);
        p.Variance.AddRange([0.1f, 0.2f, 0.3f, 0.4f]);
        var top = Run(p, 1, 2, 300, 300);

        Assert.That(top.Shape, Is.EqualTo(new[] { 1, 2, 8 }));
        // Unclipped (-0.3, -0.3, 0.3, 0.3) and (0.2, -0.3, 0.8, 0.3).
        Assert.That(top.Data[..8].ToArray(), Is.EqualTo(new[] { 0f, 0f, 0.3f, 0.3f, 0.2f, 0f, 0.8f, 0.3f }).Within(1e-6f));
        Assert.That(top.Data[8..].ToArray(), Is.EqualTo(new[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.1f, 0.2f, 0.3f, 0.4f }));
    }

    [Test]
    public void Repeated_ratios_count_once_and_flip_adds_the_inverse()
    {
        var p = new PriorBoxParameter();
        p.MinSize.Add(30f);
        p.AspectRatio.AddRange([2f, 0.5f, 3f, 2f]);
        var layer = new PriorBoxLayer(LayerDefinitions.With("PriorBox", SsdExtensions.PriorBoxParam, p));
        layer.SetUp([new Blob(1, 1, 3, 3), new Blob(1, 3, 30, 30)], [new Blob()]);

        Assert.That(layer.AspectRatios, Is.EqualTo(new[] { 1f, 2f, 0.5f, 3f, 1f / 3f }));
        Assert.That(layer.PriorsPerCell, Is.EqualTo(5));
    }

    [Test]
    public void Without_min_size_it_is_an_error_naming_the_layer()
    {
        var error = Assert.Throws<LayerNetException>(() => Run(new PriorBoxParameter(), 2, 2, 8, 8));
        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'l' (PriorBox): prior_box_param.min_size is required (at least one box size in pixels)"));
    }

    [Test]
    public void Max_size_not_above_min_size_is_an_error()
    {
        var p = new PriorBoxParameter();
        p.MinSize.Add(10f);
        p.MaxSize.Add(10f);
        var error = Assert.Throws<LayerNetException>(() => Run(p, 2, 2, 8, 8));
        Assert.That(error.Message, Does.Contain("(PriorBox): prior_box_param.max_size 10 must be greater than min_size 10"));
    }
}
