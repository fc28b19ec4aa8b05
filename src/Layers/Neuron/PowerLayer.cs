using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// A power of an affine function of the input (<c>power_param</c>: power p, default 1; scale a, default 1;
/// shift b, default 0), element by element. Works in place.
/// </summary>
/// <remarks>
/// <para>Forward: y = (b + a x)^p; when a * p = 0 the input is ignored and y = 1 if p = 0, b^p otherwise.</para>
/// <para>
/// Backward: dx = dy * a p (b + a x)^(p - 1); that is dx = dy * a p (constant) when a * p = 0 or p = 1, and
/// dx = dy * a p (b + a x) when p = 2. A base b + a x &lt; 0 with a non-integer p gives NaN, as pow does.
/// </para>
/// <para>In place, forward keeps the input aside when backward needs it (p not 0 or 1, a not 0).</para>
/// </remarks>
public sealed class PowerLayer : NeuronLayer
{
    private readonly float _power;
    private readonly float _scale;
    private readonly float _shift;
    private readonly float _diffScale;

    /// <summary>Creates the layer from its definition (<c>power_param</c>).</summary>
    public PowerLayer(LayerParameter parameter)
        : base(parameter)
    {
        var p = parameter.PowerParam ?? new PowerParameter();
        _power = p.Power;
        _scale = p.Scale;
        _shift = p.Shift;
        _diffScale = _power * _scale;
    }

    private bool GradientIsConstant => _diffScale == 0f || _power == 1f;

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => !GradientIsConstant;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (_diffScale == 0f)
        {
            y.Fill(_power == 0f ? 1f : MathF.Pow(_shift, _power));
            return;
        }

        TensorPrimitives.Multiply(x, _scale, y);
        TensorPrimitives.Add(y, _shift, y);
        if (_power != 1f)
        {
            TensorPrimitives.Pow(y, _power, y);
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (GradientIsConstant)
        {
            TensorPrimitives.Multiply(dy, _diffScale, dx);
            return;
        }

        if (_power == 2f)
        {
            for (var i = 0; i < dx.Length; i++)
            {
                dx[i] = dy[i] * _diffScale * (_shift + (_scale * x[i]));
            }

            return;
        }

        var exponent = _power - 1f;
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = dy[i] * _diffScale * MathF.Pow(_shift + (_scale * x[i]), exponent);
        }
    }
}
