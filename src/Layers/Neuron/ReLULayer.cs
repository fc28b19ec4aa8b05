using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// The rectified linear unit, optionally leaky (<c>relu_param.negative_slope</c>, default 0), element by element.
/// Works in place.
/// </summary>
/// <remarks>
/// <para>Forward: y = max(x, 0) + s * min(x, 0), s = negative_slope.</para>
/// <para>Backward: dx = dy * (x &gt; 0 ? 1 : s). The gradient at x = 0 is taken as s, as Caffe does.</para>
/// <para>
/// In place, backward reads the sign of x from y, which keeps it when s &gt;= 0; for a negative slope the input is
/// kept aside during forward instead.
/// </para>
/// </remarks>
/// <param name="parameter">The layer's definition (<c>relu_param</c>).</param>
public sealed class ReLULayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    private readonly float _negativeSlope = parameter.ReluParam?.NegativeSlope ?? 0f;

    /// <summary>relu_param.negative_slope: what a negative input is multiplied by (0 by default).</summary>
    internal float NegativeSlope => _negativeSlope;

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => _negativeSlope < 0f;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (_negativeSlope == 0f)
        {
            TensorPrimitives.Max(x, 0f, y);
            return;
        }

        for (var i = 0; i < y.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : _negativeSlope * x[i];
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : _negativeSlope * dy[i];
        }
    }
}
