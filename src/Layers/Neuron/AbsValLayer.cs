using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The absolute value, element by element. Not in place (as Caffe: backward needs the sign of x, which y has lost).</summary>
/// <remarks>
/// <para>Forward: y = |x|.</para>
/// <para>Backward: dx = dy * sign(x), with sign(0) = 0.</para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class AbsValLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (ReferenceEquals(bottom[0], top[0]))
        {
            throw Error($"cannot run in place (top '{top[0].Name}' is the bottom): the gradient needs the sign of the input, which the output has lost");
        }
    }

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false; // never in place: x is the bottom's own data

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Abs(x, y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : x[i] < 0f ? -dy[i] : 0f;
        }
    }
}
