using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class SoftmaxLayerTests
{
    private static LayerParameter Definition(int? axis = null)
    {
        var parameter = new LayerParameter { Name = "prob", Type = "Softmax" };
        if (axis is { } value)
        {
            parameter.SoftmaxParam = new SoftmaxParameter { Axis = value };
        }

        return parameter;
    }

    private static float[] Softmax(params double[] x)
    {
        var sum = 0d;
        foreach (var v in x)
        {
            sum += Math.Exp(v);
        }

        var result = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            result[i] = (float)(Math.Exp(x[i]) / sum);
        }

        return result;
    }

    [Test]
    public void Forward_normalises_the_exponentials_of_each_item()
    {
        var bottom = BlobBuilder.FromValues([2, 3], 1, 2, 3, 0, 0, 0);
        var top = new Blob();
        var layer = new SoftmaxLayer(Definition());

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(Softmax(1, 2, 3).Concat(Softmax(0, 0, 0)).ToArray()).Within(1e-6f));
    }

    [Test]
    public void Forward_subtracts_the_max_so_large_scores_do_not_overflow()
    {
        var bottom = BlobBuilder.FromValues([1, 2], 1000, 1001);
        var top = new Blob();
        var layer = new SoftmaxLayer(Definition());

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        Assert.That(top.Data.ToArray(), Is.EqualTo(Softmax(0, 1)).Within(1e-6f));
    }

    [Test]
    public void Forward_runs_along_the_given_axis_for_every_inner_position()
    {
        // Shape 1 x 2 x 2, axis 1: the pairs (x[0][0], x[1][0]) = (1, 3) and (x[0][1], x[1][1]) = (2, 2).
        var bottom = BlobBuilder.FromValues([1, 2, 2], 1, 2, 3, 2);
        var top = new Blob();
        var layer = new SoftmaxLayer(Definition(1));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        var first = Softmax(1, 3);
        Assert.That(top.Data.ToArray(), Is.EqualTo(new[] { first[0], 0.5f, first[1], 0.5f }).Within(1e-6f));
    }

    [Test]
    public void Backward_is_dy_minus_its_projection_on_y_times_y()
    {
        var bottom = BlobBuilder.FromValues([1, 3], 1, 2, 3);
        var top = new Blob();
        var layer = new SoftmaxLayer(Definition());
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        var y = top.Data.ToArray();
        float[] dy = [0.5f, -1f, 2f];
        dy.CopyTo(top.Diff);

        layer.Backward([top], [true], [bottom]);

        var projection = (dy[0] * y[0]) + (dy[1] * y[1]) + (dy[2] * y[2]);
        float[] expected = [(dy[0] - projection) * y[0], (dy[1] - projection) * y[1], (dy[2] - projection) * y[2]];
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1701), 0f, 1f, 2, 10, 2, 3);
        var layer = new SoftmaxLayer(Definition());

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void Gradient_along_the_last_axis_matches_finite_differences()
    {
        var bottom = BlobBuilder.Gaussian(new RandomSource(1702), 0f, 1f, 2, 3, 4);
        var layer = new SoftmaxLayer(Definition(-1));

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientExhaustive(layer, [bottom], [new Blob()]);
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_result()
    {
        var values = BlobBuilder.Gaussian(new RandomSource(3), 0f, 2f, 2, 4, 3);
        var bottom = BlobBuilder.FromValues([2, 4, 3], values.Data.ToArray());
        var top = new Blob();
        var layer = new SoftmaxLayer(Definition());
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff.Fill(0.25f);
        top.Diff[5] = -1f;
        layer.Backward([top], [true], [bottom]);

        var shared = BlobBuilder.FromValues([2, 4, 3], values.Data.ToArray());
        var inPlace = new SoftmaxLayer(Definition());
        inPlace.SetUp([shared], [shared]);
        inPlace.Forward([shared], [shared]);
        Assert.That(shared.Data.ToArray(), Is.EqualTo(top.Data.ToArray()).Within(1e-7f));
        shared.Diff.Fill(0.25f);
        shared.Diff[5] = -1f;
        inPlace.Backward([shared], [true], [shared]);

        Assert.That(shared.Diff.ToArray(), Is.EqualTo(bottom.Diff.ToArray()).Within(1e-7f));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error_naming_the_layer()
    {
        var parameter = Definition(3);
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 21, 1)), () => new SoftmaxLayer(parameter));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2, 5) { Name = "ip2" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(21,1): layer 'prob' (Softmax): softmax_param.axis 3 is out of range for bottom 'ip2' of shape 2 5 (10); expected -2 <= axis < 2"));
    }
}
