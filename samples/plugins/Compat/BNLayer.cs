using System.Globalization;
using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Numerics;

namespace LayerNet.Samples.Compat;

/// <summary>
/// The fork "BN" layer (yjxiong/caffe, as TSN's models use it): batch normalisation and its affine map in one layer,
/// <c>y = slope (x - mean) istd + bias</c> per channel (axis 1), where istd = 1 / sqrt(var + eps). Parameters from
/// <c>bn_param { slope_filler bias_filler momentum eps frozen }</c>.
/// </summary>
/// <remarks>
/// <para>
/// Four blobs, each 1 x C as in the fork's files: slope, bias, and the moving averages of the mean and of istd
/// (the fork keeps the inverse standard deviation, not the variance; fresh ones are 0 and 1). Training (phase TRAIN,
/// not frozen) uses the batch's mean and biased variance over items and the plane, and moves each average to
/// momentum * average + (1 - momentum) * batch value. At test time, or when frozen, the moving averages are used as
/// they are.
/// </para>
/// <para>
/// The moving averages are written by the forward pass, never by the solver: their lr_mult and decay_mult are 0.
/// Frozen, the slope and bias are fixed too (the fork's "freeze all the parameters").
/// </para>
/// <para>
/// Backward is the gradient of what the forward pass computed: with batch statistics, the batch-norm gradient
/// dx = istd (g - mean(g) - x̂ mean(x̂ g)) with g = slope dy; with the moving averages, dx = slope istd dy (the
/// fork applies the batch formula at test time when not frozen). Blobs get gradients where the net asks for them
/// (lr_mult not 0): the slope the sum of x̂ dy, the bias the sum of dy.
/// </para>
/// </remarks>
public sealed class BNLayer : Layer
{
    private float _momentum;
    private float _eps;
    private bool _frozen;
    private int _channels;
    private int _num;
    private int _spatial;
    private float[] _mean = [];
    private float[] _istd = [];
    private float[] _std = [];
    private float[] _factor = [];
    private float[] _sumDiff = [];
    private float[] _sumDiffTimesNormalized = [];
    private float[] _normalized = [];

    /// <summary>Creates the layer from its definition (<c>bn_param</c>).</summary>
    public BNLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Exactly(1), BlobArity.Exactly(1))
    {
    }

    /// <summary>True when the layer uses its moving averages: test phase, or <c>frozen</c>.</summary>
    public bool UsesMovingAverages => _frozen || Phase == Caffe.Phase.Test;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = ExtensionParameter(CompatExtensions.BnParam);
        if (!(p.Momentum >= 0f && p.Momentum <= 1f))
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"bn_param.momentum must be in [0, 1], got {p.Momentum}"));
        }

        if (!(p.Eps >= 0f) || float.IsInfinity(p.Eps))
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"bn_param.eps must be a non-negative number, got {p.Eps}"));
        }

        _momentum = p.Momentum;
        _eps = p.Eps;
        _frozen = p.Frozen;
        var input = bottom[0];
        if (input.AxisCount < 2)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; BN needs items and channels (N x C x ...)");
        }

        _channels = input.Shape[1];
        RequireLearnableBlobCount("slope", "bias", "moving mean", "moving inverse std");
        LearnableBlob(0, "slope", [1, _channels], p.SlopeFiller, "bn_param.slope_filler");
        LearnableBlob(1, "bias", [1, _channels], p.BiasFiller, "bn_param.bias_filler");
        LearnableBlob(2, "moving mean", [1, _channels], null, "moving mean");
        LearnableBlob(3, "moving inverse std", [1, _channels], new FillerParameter { Type = "constant", Value = 1f }, "moving inverse std");

        // The moving averages belong to the forward pass; frozen, everything is fixed.
        for (var i = 0; i < Blobs.Count; i++)
        {
            while (Parameter.Param.Count <= i)
            {
                Parameter.Param.Add(new ParamSpec());
            }

            if (i >= 2 || _frozen)
            {
                Parameter.Param[i].LrMult = 0f;
                Parameter.Param[i].DecayMult = 0f;
            }
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        if (input.AxisCount < 2 || input.Shape[1] != _channels)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; the layer was set up for {_channels} channels on axis 1");
        }

        top[0].ReshapeLike(input);
        _num = input.Shape[0];
        _spatial = _num * _channels == 0 ? 0 : input.Count / (_num * _channels);
        if (_mean.Length != _channels)
        {
            _mean = new float[_channels];
            _istd = new float[_channels];
            _std = new float[_channels];
            _factor = new float[_channels];
            _sumDiff = new float[_channels];
            _sumDiffTimesNormalized = new float[_channels];
        }

        if (_normalized.Length < input.Count)
        {
            _normalized = new float[input.Count];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        if (UsesMovingAverages)
        {
            Blobs[2].Data.CopyTo(_mean);
            Blobs[3].Data.CopyTo(_istd);
            Channelwise.Subtract(x, _mean, _spatial, y);
        }
        else
        {
            var values = _num * _spatial;
            _mean.AsSpan().Clear();
            Channelwise.AddSums(x, _spatial, _mean);
            TensorPrimitives.Divide(_mean, values, _mean);
            MoveAverage(Blobs[2].Data, _mean);

            // y = x - mean (in place when top is bottom: each element is read before it is written).
            Channelwise.Subtract(x, _mean, _spatial, y);
            _istd.AsSpan().Clear();
            Channelwise.AddSumsOfSquares(y, _spatial, _istd);
            TensorPrimitives.Divide(_istd, values, _istd);
            TensorPrimitives.Add(_istd, _eps, _istd);
            TensorPrimitives.ReciprocalSqrt(_istd, _istd);
            MoveAverage(Blobs[3].Data, _istd);
        }

        // Kept for backward (a later in-place layer may overwrite the top): x̂ with batch statistics, x - mean
        // with the moving averages, whose istd has a gradient of its own.
        if (RunsBackward && UsesMovingAverages)
        {
            y.CopyTo(_normalized);
        }

        Channelwise.Multiply(y, _istd, _spatial, y);
        if (RunsBackward && !UsesMovingAverages)
        {
            y.CopyTo(_normalized);
        }

        Channelwise.Multiply(y, Blobs[0].Data, _spatial, y);
        Channelwise.Add(y, Blobs[1].Data, _spatial, y);
    }

    /// <summary>average = momentum average + (1 - momentum) value, per channel.</summary>
    private void MoveAverage(Span<float> average, ReadOnlySpan<float> value)
    {
        TensorPrimitives.Multiply(average, _momentum, average);
        TensorPrimitives.MultiplyAdd(value, 1f - _momentum, average, average);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        // Per-channel sums first: in place, the bottom diff written below is the top diff read here. kept is x̂
        // (batch statistics) or x - mean (moving averages).
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> kept = _normalized.AsSpan(0, dy.Length);
        ReadOnlySpan<float> slope = Blobs[0].Data;
        _sumDiff.AsSpan().Clear();
        _sumDiffTimesNormalized.AsSpan().Clear();
        Channelwise.AddSums(dy, _spatial, _sumDiff);
        Channelwise.AddDots(dy, kept, _spatial, _sumDiffTimesNormalized);
        AccumulateParameterGradients(slope);
        if (!propagateDown[0])
        {
            return;
        }

        var dx = bottom[0].Diff;
        if (UsesMovingAverages)
        {
            TensorPrimitives.Multiply(slope, _istd, _factor);
            Channelwise.Multiply(dy, _factor, _spatial, dx);
            return;
        }

        // g = slope dy; the sums of g and of g x̂ are slope times those of dy.
        TensorPrimitives.Multiply(_sumDiff, slope, _sumDiff);
        TensorPrimitives.Multiply(_sumDiffTimesNormalized, slope, _sumDiffTimesNormalized);
        TensorPrimitives.Reciprocal(_istd, _std);
        Channelwise.Multiply(dy, slope, _spatial, dx);
        Channelwise.NormalizeBackward(dx, kept, _sumDiff, _sumDiffTimesNormalized, _std, _num * _spatial, _spatial, dx);
    }

    /// <summary>
    /// Adds the gradients of the blobs whose <see cref="Layer.ParamPropagateDown"/> is set (the net clears it where
    /// lr_mult is 0: the moving averages always, everything when frozen). With S = sum of dy and T = sum of dy times
    /// the kept values: slope += T (x̂) or istd T (x - mean), bias += S, and with the moving averages
    /// mean += -slope istd S and istd += slope T.
    /// </summary>
    private void AccumulateParameterGradients(ReadOnlySpan<float> slope)
    {
        var moving = UsesMovingAverages;
        if (ParamPropagateDown(0))
        {
            var slopeDiff = Blobs[0].Diff;
            if (moving)
            {
                TensorPrimitives.MultiplyAdd(_sumDiffTimesNormalized, _istd, slopeDiff, slopeDiff);
            }
            else
            {
                TensorPrimitives.Add(slopeDiff, _sumDiffTimesNormalized, slopeDiff);
            }
        }

        if (ParamPropagateDown(1))
        {
            TensorPrimitives.Add(Blobs[1].Diff, _sumDiff, Blobs[1].Diff);
        }

        if (!moving)
        {
            return;
        }

        if (ParamPropagateDown(2))
        {
            // d/dmean of slope (x - mean) istd: -slope istd per value.
            TensorPrimitives.Multiply(slope, _istd, _factor);
            TensorPrimitives.Multiply(_factor, _sumDiff, _factor);
            TensorPrimitives.Subtract(Blobs[2].Diff, _factor, Blobs[2].Diff);
        }

        if (ParamPropagateDown(3))
        {
            TensorPrimitives.MultiplyAdd(slope, _sumDiffTimesNormalized, Blobs[3].Diff, Blobs[3].Diff);
        }
    }
}
