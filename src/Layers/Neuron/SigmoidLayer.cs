using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Neuron;

/// <summary>The logistic sigmoid, element by element. Works in place (top may be the bottom).</summary>
/// <remarks>
/// <para>Forward: y = 1 / (1 + exp(-x)).</para>
/// <para>Backward: dx = dy * y * (1 - y), from the top's data alone, so it holds in place too.</para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class SigmoidLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => Activations.Sigmoid(x, y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        // dx = dy * y, then dx = -(y - 1) * dx. Each step reads dy (or dx) at the index it writes, so dx may be dy (in place).
        TensorPrimitives.Multiply(dy, y, dx);
        TensorPrimitives.AddMultiply(y, -1f, dx, dx);
        TensorPrimitives.Negate(dx, dx);
    }
}
