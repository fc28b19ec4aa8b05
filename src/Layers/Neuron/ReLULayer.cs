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
public sealed class ReLULayer : NeuronLayer
{
    private readonly float _negativeSlope;
    private readonly SavedInput _input = new();

    /// <summary>Creates the layer from its definition (<c>relu_param</c>).</summary>
    public ReLULayer(LayerParameter parameter)
        : base(parameter)
    {
        _negativeSlope = parameter.ReluParam?.NegativeSlope ?? 0f;
    }

    /// <inheritdoc/>
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        _input.Reshape(bottom[0], top[0], needed: _negativeSlope < 0f);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0]);
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
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
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var x = _input.Values(bottom[0]);
        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : _negativeSlope * dy[i];
        }
    }
}
