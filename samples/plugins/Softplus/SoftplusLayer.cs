using System.Globalization;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Softplus;

/// <summary>
/// The softplus, element by element, with PyTorch's <c>Softplus(beta, threshold)</c> semantics. Parameters from
/// <c>softplus_param { beta: B threshold: T }</c> (defaults 1 and 20). Works in place (top may be the bottom).
/// </summary>
/// <remarks>
/// <para>Forward: y = log(1 + exp(beta x)) / beta, and y = x where beta x &gt; threshold (the linear region).</para>
/// <para>Backward: dx = dy * sigmoid(beta x), and dx = dy in the linear region.</para>
/// <para>
/// The gradient needs x, which an in-place forward overwrites; in place, NeuronLayer keeps a copy of the input
/// (Caffe's PReLU does the same). The threshold's per-element branch has no <c>TensorPrimitives</c> form, so both
/// passes are one plain element-wise loop; the softplus is computed in double as max(t, 0) + log(1 + exp(-|t|)),
/// which never overflows whatever the threshold and keeps tiny outputs (x = -30 gives 9.36e-14, not 0).
/// </para>
/// </remarks>
public sealed class SoftplusLayer : NeuronLayer
{
    private float _beta;
    private float _threshold;

    /// <summary>Creates the layer from its definition (<c>softplus_param</c>).</summary>
    public SoftplusLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <summary>The sharpness beta (&gt; 0); large beta approaches ReLU.</summary>
    public float Beta => _beta;

    /// <summary>Above beta x = threshold the layer is the identity.</summary>
    public float Threshold => _threshold;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = ExtensionParameter(SoftplusExtensions.SoftplusParam);
        if (!(p.Beta > 0f) || float.IsInfinity(p.Beta))
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"softplus_param.beta must be a positive number, got {p.Beta}"));
        }

        if (float.IsNaN(p.Threshold))
        {
            throw Error("softplus_param.threshold must be a number, got NaN");
        }

        _beta = p.Beta;
        _threshold = p.Threshold;
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        double beta = _beta;
        for (var i = 0; i < y.Length; i++)
        {
            var t = beta * x[i];
            y[i] = t > _threshold ? x[i] : (float)((Math.Max(t, 0d) + LogOnePlus(Math.Exp(-Math.Abs(t)))) / beta);
        }
    }

    /// <summary>log(1 + u) for 0 &lt;= u &lt;= 1, accurate for tiny u (where 1 + u rounds): Goldberg's correction.</summary>
    private static double LogOnePlus(double u)
    {
        var w = 1d + u;
        return w == 1d ? u : Math.Log(w) * u / (w - 1d);
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        double beta = _beta;
        for (var i = 0; i < dx.Length; i++)
        {
            var t = beta * x[i];
            dx[i] = t > _threshold ? dy[i] : (float)(dy[i] / (1d + Math.Exp(-t)));
        }
    }
}
