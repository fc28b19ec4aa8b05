using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Samples.Softplus.Tests;

[TestFixture]
public sealed class SoftplusLayerTests
{
    private static LayerParameter Definition(float? beta = null, float? threshold = null)
    {
        var parameter = new LayerParameter { Name = "sp", Type = "Softplus" };
        if (beta is not null || threshold is not null)
        {
            var p = new SoftplusParameter();
            if (beta is { } b)
            {
                p.Beta = b;
            }

            if (threshold is { } t)
            {
                p.Threshold = t;
            }

            parameter.SetExtension(SoftplusExtensions.SoftplusParam, p);
        }

        return parameter;
    }

    [Test]
    public void Defaults_are_beta_1_and_threshold_20()
    {
        var layer = new SoftplusLayer(Definition());
        layer.SetUp([new Blob(2)], [new Blob()]);

        Assert.That(layer.Beta, Is.EqualTo(1f));
        Assert.That(layer.Threshold, Is.EqualTo(20f));
    }

    [Test]
    public void Forward_with_beta_1_is_log_1_plus_exp_x_and_x_above_the_threshold()
    {
        var bottom = BlobBuilder.FromValues([2, 3], 0f, 1f, -2f, -30f, 20f, 25f);
        var top = new Blob();
        var layer = new SoftplusLayer(Definition());

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        // log 2, log(1 + e), log(1 + e^-2), e^-30 (no underflow to 0), log(1 + e^20) (beta x = 20 is not above 20), 25.
        float[] expected = [0.6931472f, 1.3132616f, 0.12692801f, 9.357623e-14f, 20f, 25f];
        Assert.That(top.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected).Within(1e-6f));
        Assert.That(top.Data[3], Is.EqualTo(9.357623e-14f).Within(1e-19f));
    }

    [Test]
    public void Forward_with_beta_2_divides_by_beta_and_is_linear_where_beta_x_exceeds_the_threshold()
    {
        var bottom = BlobBuilder.FromValues([5], 0f, 0.5f, -1f, 1.5f, 2.5f);
        var top = new Blob();
        var layer = new SoftplusLayer(Definition(beta: 2f, threshold: 4f));

        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);

        // log(2)/2, log(1 + e)/2, log(1 + e^-2)/2, log(1 + e^3)/2; beta x = 5 > 4: linear.
        float[] expected = [0.3465736f, 0.6566308f, 0.063464005f, 1.5242937f, 2.5f];
        Assert.That(top.Data.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void Backward_multiplies_by_sigmoid_of_beta_x_and_by_1_in_the_linear_region()
    {
        var bottom = BlobBuilder.FromValues([4], 0f, 0.5f, -1f, 2.5f);
        var top = new Blob();
        var layer = new SoftplusLayer(Definition(beta: 2f, threshold: 4f));
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        top.Diff[0] = 2f;
        top.Diff[1] = 1f;
        top.Diff[2] = -1f;
        top.Diff[3] = 3f;

        layer.Backward([top], [true], [bottom]);

        // sigmoid(0) = 0.5, sigmoid(1) = 0.7310586, sigmoid(-2) = 0.11920292; beta x = 5 > 4: 1.
        float[] expected = [1f, 0.7310586f, -0.11920292f, 3f];
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void In_place_forward_and_backward_give_the_same_values()
    {
        var random = new RandomSource(1701);
        var separate = BlobBuilder.Gaussian(random, 0f, 2f, 2, 3, 4, 5);
        var inPlace = new Blob(2, 3, 4, 5);
        separate.Data.CopyTo(inPlace.Data);
        var top = new Blob();
        var layer = new SoftplusLayer(Definition(beta: 2f, threshold: 3f));
        var inPlaceLayer = new SoftplusLayer(Definition(beta: 2f, threshold: 3f));
        layer.SetUp([separate], [top]);
        inPlaceLayer.SetUp([inPlace], [inPlace]);

        layer.Forward([separate], [top]);
        inPlaceLayer.Forward([inPlace], [inPlace]);
        Assert.That(inPlace.Data.ToArray(), Is.EqualTo(top.Data.ToArray()));

        top.Diff.Fill(0.5f);
        inPlace.Diff.Fill(0.5f);
        layer.Backward([top], [true], [separate]);
        inPlaceLayer.Backward([inPlace], [true], [inPlace]);
        Assert.That(inPlace.Diff.ToArray(), Is.EqualTo(separate.Diff.ToArray()));
    }

    [TestCase(0.5f)]
    [TestCase(1f)]
    [TestCase(2f)]
    [TestCase(10f)]
    public void Gradient_matches_finite_differences(float beta)
    {
        var random = new RandomSource(1701);
        var bottom = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var layer = new SoftplusLayer(Definition(beta: beta));

        new GradientChecker(1e-2f, 1e-3f, 1701).CheckGradientEltwise(layer, [bottom], [new Blob()]);
    }

    [TestCase(1f)]
    [TestCase(3f)]
    public void Gradient_in_place_matches_finite_differences_across_both_regions(float beta)
    {
        // threshold 1: inputs above 1 / beta are in the linear region; the jump at x = 1 / beta is skipped.
        var random = new RandomSource(1701);
        var blob = BlobBuilder.Gaussian(random, 0f, 1f, 2, 3, 4, 5);
        var layer = new SoftplusLayer(Definition(beta: beta, threshold: 1f));

        new GradientChecker(1e-2f, 1e-3f, 1701, kink: 1f / beta, kinkRange: 0.02f).CheckGradientEltwise(layer, [blob], [blob]);
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    public void A_beta_that_is_not_positive_is_an_error_naming_the_layer(float beta)
    {
        var parameter = Definition(beta: beta);
        var layer = new SoftplusLayer(parameter) { Origin = Origin.At(new SourcePosition("net.prototxt", 12, 1)) };

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2)], [new Blob()]));

        Assert.That(error.Message, Does.StartWith("net.prototxt(12,1): layer 'sp' (Softplus): softplus_param.beta must be a positive number, got "));
    }

    [Test]
    public void The_plugin_registers_the_layer_and_its_parameter_extension()
    {
        var services = new ServiceCollection();
        new SoftplusPlugin().Register(services.AddLayerNet());
        using var provider = services.BuildServiceProvider();
        var reader = provider.GetRequiredService<PrototxtReader>();

        var net = reader.Parse<NetParameter>("""
            layer { name: "a" type: "Softplus" softplus_param { beta: 2 } }
            layer { name: "b" type: "Softplus" [layernet.samples.softplus_param] { threshold: 5 } }
            """, "net.prototxt");

        Assert.That(provider.GetServices<LayerRegistration>().Select(r => r.TypeName), Does.Contain("Softplus"));
        Assert.That(net.Layer[0].GetExtension(SoftplusExtensions.SoftplusParam).Beta, Is.EqualTo(2f));
        Assert.That(net.Layer[1].GetExtension(SoftplusExtensions.SoftplusParam).Threshold, Is.EqualTo(5f));
    }
}
