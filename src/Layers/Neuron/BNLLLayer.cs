using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The binomial normal log-likelihood (softplus), element by element. Works in place.</summary>
/// <remarks>
/// <para>Forward: y = ln(1 + exp(x)), computed as max(x, 0) + ln(1 + exp(-|x|)) so large |x| does not overflow.</para>
/// <para>
/// Backward: dx = dy * e / (1 + e), e = exp(min(x, 50)) (the sigmoid of x; Caffe's threshold keeps e finite).
/// In place, forward keeps the input aside, since backward needs it.
/// </para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class BNLLLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    private const float Threshold = 50f;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = MathF.Max(x[i], 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x[i])));
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            var e = MathF.Exp(MathF.Min(x[i], Threshold));
            dx[i] = dy[i] * e / (e + 1f);
        }
    }
}
