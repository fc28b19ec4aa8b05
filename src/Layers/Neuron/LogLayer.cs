using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// A logarithm of an affine function of the input (<c>log_param</c>: base, default -1 meaning e; scale a,
/// default 1; shift b, default 0), element by element. Works in place.
/// </summary>
/// <remarks>
/// <para>Forward: y = log_base(b + a x) = ln(b + a x) / ln(base).</para>
/// <para>Backward: dx = dy * a / (ln(base) (b + a x)).</para>
/// <para>
/// The base must be positive and not 1, or -1 for e. In place, forward keeps the input aside, since backward
/// needs it.
/// </para>
/// </remarks>
public sealed class LogLayer : NeuronLayer
{
    private readonly float _scale;
    private readonly float _shift;
    private readonly float _baseScale;
    private readonly float _backwardScale;

    /// <summary>Creates the layer from its definition (<c>log_param</c>); a base that is not positive (other than -1) or is 1 is an error.</summary>
    public LogLayer(LayerParameter parameter)
        : base(parameter)
    {
        var p = parameter.LogParam ?? new LogParameter();
        if (p.Base != -1f && !(p.Base > 0f && p.Base != 1f))
        {
            throw Error($"log_param.base must be positive and not 1, or -1 for e; got {p.Base}");
        }

        _scale = p.Scale;
        _shift = p.Shift;
        _baseScale = p.Base == -1f ? 1f : 1f / MathF.Log(p.Base);
        _backwardScale = _scale * _baseScale;
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (_scale == 1f && _shift == 0f)
        {
            TensorPrimitives.Log(x, y);
        }
        else
        {
            TensorPrimitives.Multiply(x, _scale, y);
            TensorPrimitives.Add(y, _shift, y);
            TensorPrimitives.Log(y, y);
        }

        if (_baseScale != 1f)
        {
            TensorPrimitives.Multiply(y, _baseScale, y);
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = dy[i] * _backwardScale / (_shift + (_scale * x[i]));
        }
    }
}
