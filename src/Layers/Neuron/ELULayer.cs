using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The exponential linear unit (<c>elu_param.alpha</c>, default 1), element by element. Works in place.</summary>
/// <remarks>
/// <para>Forward: y = x for x &gt; 0, alpha * (exp(x) - 1) otherwise.</para>
/// <para>Backward: dx = dy for x &gt; 0, dy * (y + alpha) = dy * alpha * exp(x) otherwise.</para>
/// <para>
/// In place, backward reads the sign of x from y, which keeps it when alpha &gt;= 0; for a negative alpha the
/// input is kept aside during forward instead.
/// </para>
/// </remarks>
/// <param name="parameter">The layer's definition (<c>elu_param</c>).</param>
public sealed class ELULayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    private readonly float _alpha = parameter.EluParam?.Alpha ?? 1f;

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => _alpha < 0f;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : _alpha * (MathF.Exp(x[i]) - 1f);
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + _alpha);
        }
    }
}
