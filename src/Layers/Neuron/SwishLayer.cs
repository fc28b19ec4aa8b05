using Caffe;

namespace LayerNet.Layers.Neuron;

/// <summary>The swish unit (<c>swish_param.beta</c>, default 1), element by element. Works in place.</summary>
/// <remarks>
/// <para>Forward: y = x * s, where s = sigmoid(beta x), computed as Caffe does: 0.5 tanh(0.5 beta x) + 0.5.</para>
/// <para>Backward: dx = dy * (beta y + s (1 - beta y)).</para>
/// <para>In place, forward keeps the input aside for backward, which recomputes s from it.</para>
/// </remarks>
/// <param name="parameter">The layer's definition (<c>swish_param</c>).</param>
public sealed class SwishLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    private readonly float _beta = parameter.SwishParam?.Beta ?? 1f;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = x[i] * Sigmoid(_beta * x[i]);
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            var s = Sigmoid(_beta * x[i]);
            var betaY = _beta * y[i];
            dx[i] = dy[i] * (betaY + (s * (1f - betaY)));
        }
    }

    private static float Sigmoid(float value) => (0.5f * MathF.Tanh(0.5f * value)) + 0.5f;
}
