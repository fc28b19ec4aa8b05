using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The hyperbolic tangent, element by element. Works in place.</summary>
/// <remarks>
/// <para>Forward: y = tanh(x).</para>
/// <para>Backward: dx = dy * (1 - y^2), from the top's data alone, so it holds in place too.</para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class TanHLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = dy[i] * (1f - (y[i] * y[i]));
        }
    }
}
