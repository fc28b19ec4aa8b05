using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class InnerProductLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 14, 3));

    private static LayerParameter Definition(uint outputs, bool biasTerm = true, bool transpose = false, int axis = 1)
    {
        return new LayerParameter
        {
            Name = "ip1",
            Type = "InnerProduct",
            InnerProductParam = new InnerProductParameter
            {
                NumOutput = outputs,
                BiasTerm = biasTerm,
                Transpose = transpose,
                Axis = axis,
                WeightFiller = new FillerParameter { Type = "gaussian", Std = 1f },
                BiasFiller = new FillerParameter { Type = "uniform", Min = 1f, Max = 2f },
            },
        };
    }

    private static LayerParameter At(LayerParameter parameter)
    {
        return parameter;
    }

    [Test]
    public void Forward_computes_x_times_W_transposed_plus_bias()
    {
        // x = [[1, 2, 3], [4, 5, 6]], W = [[1, 0, -1], [0.5, 0.5, 0.5]], b = [0.1, -0.2]:
        // y = [[1 - 3 + 0.1, 3 - 0.2], [4 - 6 + 0.1, 7.5 - 0.2]].
        var bottom = BlobBuilder.FromValues([2, 3], 1, 2, 3, 4, 5, 6);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(2)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([2, 3], 1, 0, -1, 0.5f, 0.5f, 0.5f), BlobBuilder.FromValues([2], 0.1f, -0.2f)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -1.9f, 2.8f, -1.9f, 7.3f }).Within(1e-6f));
    }

    [Test]
    public void Forward_with_transpose_reads_the_weight_as_K_by_N()
    {
        var bottom = BlobBuilder.FromValues([2, 3], 1, 2, 3, 4, 5, 6);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(2, biasTerm: false, transpose: true)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([3, 2], 1, 0.5f, 0, 0.5f, -1, 0.5f)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { -2f, 3f, -2f, 7.5f }).Within(1e-6f));
    }

    [Test]
    public void Forward_on_axis_2_keeps_the_two_leading_axes()
    {
        // Each of the 2 x 2 items has K = 3 inputs; W = [[1, 1, 1]] sums them, b = [10].
        var bottom = BlobBuilder.FromValues([2, 2, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(1, axis: 2)));
        layer.SetGivenBlobs([BlobBuilder.FromValues([1, 3], 1, 1, 1), BlobBuilder.FromValues([1], 10)]);

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { 16f, 25f, 34f, 43f }).Within(1e-5f));
    }

    [Test]
    public void Set_up_fills_the_weight_and_bias_in_Caffe_shapes()
    {
        var bottom = new Blob(2, 3, 4, 5);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(10)));

        layer.SetUp([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 10 }));
        Assert.That(layer.Blobs, Has.Count.EqualTo(2));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 10, 60 }));
        Assert.That(layer.Blobs[1].Shape, Is.EqualTo(new[] { 10 }));
        Assert.That(layer.Blobs[1].Data.ToArray(), Has.All.InRange(1f, 2f));
    }

    [Test]
    public void Set_up_with_transpose_and_no_bias_creates_one_K_by_N_weight()
    {
        var bottom = new Blob(2, 3, 4, 5);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(10, biasTerm: false, transpose: true)));

        layer.SetUp([bottom], [top]);

        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 60, 10 }));
    }

    [Test]
    public void Negative_axis_counts_from_the_end()
    {
        var bottom = new Blob(2, 3, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(5, axis: -1)));

        layer.SetUp([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3, 5 }));
        Assert.That(layer.Blobs[0].Shape, Is.EqualTo(new[] { 5, 4 }));
    }

    [Test]
    public void Backward_accumulates_parameter_gradients_and_overwrites_the_bottom_gradient()
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 3, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(2)));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(1f);

        layer.Backward([top], [true], [bottom]);
        var weightOnce = layer.Blobs[0].Diff.ToArray();
        var biasOnce = layer.Blobs[1].Diff.ToArray();
        var bottomOnce = bottom.Diff.ToArray();
        layer.Backward([top], [true], [bottom]);

        Assert.That(layer.Blobs[0].Diff.ToArray(), Is.EqualTo(Twice(weightOnce)).Within(1e-5f));
        Assert.That(layer.Blobs[1].Diff.ToArray(), Is.EqualTo(Twice(biasOnce)).Within(1e-5f));
        Assert.That(biasOnce, Is.EqualTo(new[] { 3f, 3f }));
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(bottomOnce));
    }

    private static float[] Twice(float[] values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = 2f * values[i];
        }

        return result;
    }

    [TestCase(true, false)]
    [TestCase(false, false)]
    [TestCase(true, true)]
    [TestCase(false, true)]
    public void Gradient_matches_finite_differences(bool biasTerm, bool transpose)
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Uniform(random, 0f, 1f, 2, 3, 2, 2);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(5, biasTerm, transpose)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [top]);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Gradient_on_axis_2_of_a_3D_bottom_matches_finite_differences(bool biasTerm)
    {
        var random = new RandomSource(1702);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4);
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(Definition(3, biasTerm, axis: 2)));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [top]);
    }

    [Test]
    public void Missing_num_output_is_an_error_at_the_layer()
    {
        var parameter = At(new LayerParameter { Name = "ip1", Type = "InnerProduct", InnerProductParam = new InnerProductParameter() });

        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(parameter)));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(14,3): layer 'ip1' (InnerProduct): inner_product_param.num_output must be given and positive"));
    }

    [Test]
    public void A_given_weight_of_the_wrong_shape_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(At(Definition(2))));
        layer.SetGivenBlobs([new Blob(2, 4), new Blob(2)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(14,3): layer 'ip1' (InnerProduct): weight shape mismatch"));
        Assert.That(error.Message, Does.Contain("2 3 (6)").And.Contain("2 4 (8)"));
    }

    [Test]
    public void A_given_bias_missing_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(At(Definition(2))));
        layer.SetGivenBlobs([new Blob(2, 3)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(14,3): layer 'ip1' (InnerProduct): expected 2 learnable blobs"));
    }

    [Test]
    public void A_bottom_whose_input_size_changes_after_set_up_is_an_error()
    {
        var bottom = new Blob(2, 3) { Name = "data" };
        var top = new Blob();
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(At(Definition(2))));
        layer.SetUp([bottom], [top]);
        bottom.Reshape([2, 4]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([bottom], [top]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(14,3): layer 'ip1' (InnerProduct): bottom 'data' has shape 2 4 (8), giving 4 inputs per item from axis 1; the layer was set up for 3"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(At(Definition(2, axis: 2))));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3) { Name = "data" }], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(14,3): layer 'ip1' (InnerProduct): inner_product_param.axis 2 is out of range"));
    }

    [Test]
    public void Two_bottoms_are_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new InnerProductLayer(At(Definition(2))));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 3), new Blob(2, 3)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(14,3): layer 'ip1' (InnerProduct): expected 1 bottom blob, got 2"));
    }
}
