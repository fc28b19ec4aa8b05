using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Neuron;
using LayerNet.Testing;
using NUnit.Framework.Internal;

namespace LayerNet.Layers.Tests;

/// <summary>The checker must catch a wrong gradient, not only pass right ones.</summary>
[TestFixture]
public sealed class GradientCheckerTests
{
    [Test]
    public void A_wrong_bottom_gradient_fails_naming_the_layer_blob_element_and_values()
    {
        var bottom = BlobBuilder.FromValues([3], 0.5f, -1f, 2f);
        var layer = new HalfGradientScaleLayer(new LayerParameter { Name = "broken", Type = "Scale2" });

        var message = FailureOf(() => new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [bottom], [new Blob()]));

        Assert.That(message, Does.Contain("layer 'broken' (Scale2)").And.Contain("bottom 0").And.Contain("element 0"));
        Assert.That(message, Does.Contain("analytic 1,").And.Contain("numeric 1.99999"));
    }

    [Test]
    public void A_wrong_parameter_gradient_fails_naming_the_parameter()
    {
        var bottom = BlobBuilder.FromValues([2], 0.5f, -1f);
        var layer = new ForgetfulWeightLayer(new LayerParameter { Name = "w", Type = "Weight" });

        var message = FailureOf(() => new GradientChecker(1e-2f, 1e-3f).CheckGradient(layer, [bottom], [new Blob()]));

        Assert.That(message, Does.Contain("layer 'w' (Weight)").And.Contain("param 0"));
    }

    [Test]
    public void A_right_gradient_in_place_passes()
    {
        var blob = BlobBuilder.Gaussian(new RandomSource(3), 0f, 1f, 4, 5);

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new SigmoidLayer(new LayerParameter { Name = "s", Type = "Sigmoid" }), [blob], [blob]);
    }

    private static string FailureOf(TestDelegate check)
    {
        // An isolated context keeps the expected failure out of this test's own result.
        using (new TestExecutionContext.IsolatedContext())
        {
            try
            {
                check();
            }
            catch (GradientCheckException exception)
            {
                return exception.Message;
            }
        }

        Assert.Fail("the gradient check passed a wrong gradient");
        return string.Empty;
    }

    /// <summary>y = 2x, with a backward that forgets the factor 2.</summary>
    private sealed class HalfGradientScaleLayer(LayerParameter parameter) : NeuronLayer(parameter)
    {
        protected override void Forward(ReadOnlySpan<float> x, Span<float> y) =>
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, 2f, y);

        protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            dy.CopyTo(dx);
    }

    /// <summary>y = w x with a learnable scalar w, whose gradient backward never computes.</summary>
    private sealed class ForgetfulWeightLayer(LayerParameter parameter) : NeuronLayer(parameter)
    {
        protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => AddBlob(1).Data[0] = 3f;

        protected override void Forward(ReadOnlySpan<float> x, Span<float> y) =>
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, Blobs[0].Data[0], y);

        protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
            System.Numerics.Tensors.TensorPrimitives.Multiply(dy, Blobs[0].Data[0], dx);
    }
}
