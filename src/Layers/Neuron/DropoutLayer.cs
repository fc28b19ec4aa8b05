using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// Dropout (<c>dropout_param.dropout_ratio</c> r, default 0.5, in [0, 1)): in the TRAIN phase each element is zeroed
/// with probability r and the survivors are scaled by 1 / (1 - r); in the TEST phase the layer is the identity.
/// Works in place.
/// </summary>
/// <remarks>
/// <para>TRAIN forward: m_i ~ Bernoulli(1 - r) drawn from the layer's <see cref="Layer.Random"/>; y = x * m / (1 - r).</para>
/// <para>TRAIN backward: dx = dy * m / (1 - r), with the mask of the last forward pass.</para>
/// <para>TEST: y = x, dx = dy.</para>
/// </remarks>
public sealed class DropoutLayer : NeuronLayer
{
    private readonly float _ratio;
    private readonly float _scale;
    private float[] _mask = [];

    /// <summary>Creates the layer from its definition (<c>dropout_param</c>); a ratio outside [0, 1) is an error.</summary>
    public DropoutLayer(LayerParameter parameter)
        : base(parameter)
    {
        _ratio = parameter.DropoutParam?.DropoutRatio ?? 0.5f;
        if (!(_ratio >= 0f && _ratio < 1f))
        {
            throw Error($"dropout_param.dropout_ratio must be in [0, 1), got {_ratio}");
        }

        // Caffe computes the scale and the keep probability in double (1. - threshold_).
        _scale = (float)(1.0 / (1.0 - _ratio));
    }

    /// <summary>The scaled mask of the last TRAIN forward pass: 0 for a dropped element, 1 / (1 - r) for a kept one.</summary>
    internal ReadOnlySpan<float> Mask => _mask;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.ReshapeCore(bottom, top);
        if (_mask.Length != bottom[0].Count)
        {
            _mask = new float[bottom[0].Count];
        }
    }

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (Phase != Phase.Train)
        {
            if (!x.Overlaps(y))
            {
                x.CopyTo(y);
            }

            return;
        }

        TensorPrimitives.Multiply(x, DrawMask(), y);
    }

    /// <summary>
    /// Draws the TRAIN mask of one forward pass from <see cref="Layer.Random"/> and keeps it for backward: the CPU pass
    /// and the device's (which applies it on the device) draw it here alike, so both see the same mask.
    /// </summary>
    internal ReadOnlySpan<float> DrawMask()
    {
        // Caffe's caffe_rng_bernoulli over the whole blob: one bernoulli<double> draw per element, in order.
        var random = Random;
        var keep = 1.0 - _ratio;
        var mask = _mask.AsSpan();
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextBernoulli(keep) ? _scale : 0f;
        }

        return mask;
    }

    /// <inheritdoc/>
    /// <remarks>A TRAIN pass draws exactly one raw number per element (the keep probability is never 0); TEST draws none.</remarks>
    public override bool SkipForwardDraws(int passes)
    {
        if (Phase == Phase.Train)
        {
            Random.Discard((long)passes * _mask.Length);
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (Phase != Phase.Train)
        {
            if (!dy.Overlaps(dx))
            {
                dy.CopyTo(dx);
            }

            return;
        }

        TensorPrimitives.Multiply(dy, _mask, dx);
    }
}
