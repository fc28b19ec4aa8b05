using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// An exponential of an affine function of the input (<c>exp_param</c>: base, default -1 meaning e; scale a,
/// default 1; shift b, default 0), element by element. Works in place.
/// </summary>
/// <remarks>
/// <para>Forward: y = base^(b + a x) = base^b * exp(a ln(base) x).</para>
/// <para>Backward: dx = dy * a ln(base) * y, from the top's data alone, so it holds in place too.</para>
/// <para>The base must be positive, or -1 for e.</para>
/// </remarks>
public sealed class ExpLayer : NeuronLayer
{
    private readonly float _innerScale;
    private readonly float _outerScale;

    /// <summary>Creates the layer from its definition (<c>exp_param</c>); a base that is neither positive nor -1 is an error.</summary>
    public ExpLayer(LayerParameter parameter)
        : base(parameter)
    {
        var p = parameter.ExpParam ?? new ExpParameter();
        if (p.Base != -1f && !(p.Base > 0f))
        {
            throw Error($"exp_param.base must be positive, or -1 for e; got {p.Base}");
        }

        var logBase = p.Base == -1f ? 1f : MathF.Log(p.Base);
        _innerScale = logBase * p.Scale;
        _outerScale = p.Shift == 0f ? 1f : p.Base == -1f ? MathF.Exp(p.Shift) : MathF.Pow(p.Base, p.Shift);
    }

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (_innerScale == 1f)
        {
            TensorPrimitives.Exp(x, y);
        }
        else
        {
            TensorPrimitives.Multiply(x, _innerScale, y);
            TensorPrimitives.Exp(y, y);
        }

        if (_outerScale != 1f)
        {
            TensorPrimitives.Multiply(y, _outerScale, y);
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Multiply(dy, y, dx);
        if (_innerScale != 1f)
        {
            TensorPrimitives.Multiply(dx, _innerScale, dx);
        }
    }
}
