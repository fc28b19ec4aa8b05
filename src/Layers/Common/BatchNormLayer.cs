using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Normalises every channel (axis 1) of its bottom to zero mean and unit variance (Caffe's BatchNorm), over the
/// batch and the spatial axes, or with stored running statistics. Learnable scale and shift are a separate Scale
/// layer, as in Caffe.
/// </summary>
/// <remarks>
/// <para>
/// The bottom is read as N x C x S (N = axis 0, C = axis 1 or 1 for a 1-D bottom, S = the rest); statistics are
/// per channel c over the m = N S values of that channel. The three blobs are Caffe's: 0 the running mean sum
/// M, 1 the running variance sum V (both C long), 2 the scale factor s (shape [1]). They are statistics, not
/// weights: set-up adds <c>param { lr_mult: 0 }</c> for each one the model file leaves out, and a non-zero
/// lr_mult is an error.
/// </para>
/// <para>
/// Batch statistics (TRAIN, unless <c>use_global_stats</c>): mu = mean(x), var = mean((x - mu)^2);
/// y = (x - mu) / sqrt(var + eps). Each pass also updates the running sums, with f = moving_average_fraction:
/// s = f s + 1; M = f M + mu; V = f V + var m / (m - 1) (no correction when m = 1).
/// Backward: dx = (dy - mean(dy) - y mean(dy y)) / sqrt(var + eps), the means per channel.
/// </para>
/// <para>
/// Global statistics (TEST, or <c>use_global_stats: true</c>): mu = M / s, var = V / s (both 0 when s = 0);
/// y = (x - mu) / sqrt(var + eps); backward dx = dy / sqrt(var + eps). Caffe stops there; here, when asked for the
/// blobs' gradients (the net never asks, their lr_mult being 0), dM = -(1/s) sum(dy) / sqrt(var + eps),
/// dV = -(1/2s) sum(dy y) / (var + eps), ds = (1/s) sum_c (mu sum(dy) / sqrt(var + eps) + var sum(dy y) / (2 (var + eps))).
/// </para>
/// </remarks>
public sealed class BatchNormLayer : Layer
{
    private readonly float _movingAverageFraction;
    private readonly float _eps;
    private bool _useGlobalStats;
    private int _channels;
    private int _num;
    private int _spatial;
    private float[] _mean = [];
    private float[] _variance = [];
    private float[] _std = [];
    private float[] _normalized = [];
    private float[] _sumDiff = [];
    private float[] _sumDiffTimesNormalized = [];

    /// <summary>Creates the layer from its definition (<c>batch_norm_param</c>).</summary>
    public BatchNormLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.BatchNormParam ?? new BatchNormParameter();
        _movingAverageFraction = p.MovingAverageFraction;
        _eps = p.Eps;
    }

    /// <summary>True when the layer normalises with the stored statistics rather than the batch's.</summary>
    public bool UsesGlobalStats => _useGlobalStats;

    /// <summary>
    /// Composes this layer's effect with global statistics, y = (x - mean) / sqrt(variance + eps) per channel, after
    /// the per-channel affine map x -> x a + b: on return y = x a + b is the two together.
    /// </summary>
    internal void ComposeAffine(Span<float> a, Span<float> b)
    {
        var factor = Blobs[2].Data[0];
        var scale = factor == 0f ? 0f : 1f / factor;
        var mean = Blobs[0].Data;
        var variance = Blobs[1].Data;
        for (var c = 0; c < a.Length; c++)
        {
            var std = MathF.Sqrt((variance[c] * scale) + _eps);
            a[c] /= std;
            b[c] = (b[c] - (mean[c] * scale)) / std;
        }
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.BatchNormParam ?? new BatchNormParameter();
        _useGlobalStats = p.HasUseGlobalStats ? p.UseGlobalStats : Phase == Caffe.Phase.Test;
        var input = bottom[0];
        if (input.AxisCount == 0)
        {
            throw Error($"bottom '{input.Name}' has no axes; BatchNorm needs at least one (the batch)");
        }

        _channels = input.AxisCount == 1 ? 1 : input.Shape[1];
        // Fresh blobs are zero (no filler): no statistics yet.
        RequireLearnableBlobCount("mean", "variance", "scale factor");
        LearnableBlob(0, "mean", [_channels], null, "mean");
        LearnableBlob(1, "variance", [_channels], null, "variance");
        LearnableBlob(2, "scale factor", [1], null, "scale factor");

        // The statistics must not be touched by the solver: as Caffe does, pin their learning rates at 0.
        for (var i = 0; i < Blobs.Count; i++)
        {
            if (Parameter.Param.Count == i)
            {
                Parameter.Param.Add(new ParamSpec { LrMult = 0f });
            }
            else if (Parameter.Param[i].LrMult != 0f)
            {
                throw Error($"param {i} has lr_mult {Parameter.Param[i].LrMult}; the batch statistics (mean, variance, scale factor) are not learnable, give lr_mult: 0 or leave param out");
            }
        }
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        if (input.AxisCount == 0 || (input.AxisCount == 1 ? 1 : input.Shape[1]) != _channels)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; the layer was set up for {_channels} channels on axis 1");
        }

        top[0].ReshapeLike(input);
        _num = input.Shape[0];
        _spatial = _num * _channels == 0 ? 0 : input.Count / (_num * _channels);
        if (_mean.Length != _channels)
        {
            _mean = new float[_channels];
            _variance = new float[_channels];
            _std = new float[_channels];
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
        var values = _num * _spatial;
        if (_useGlobalStats)
        {
            var factor = Blobs[2].Data[0];
            var scale = factor == 0f ? 0f : 1f / factor;
            TensorPrimitives.Multiply(Blobs[0].Data, scale, _mean);
            TensorPrimitives.Multiply(Blobs[1].Data, scale, _variance);
            TensorPrimitives.Add(_variance, _eps, _std);
            TensorPrimitives.Sqrt(_std, _std);

            // y = (x - mu) / std in one pass, kept for backward (a later in-place layer may overwrite the top).
            Channelwise.Normalize(x, _mean, _std, _spatial, y, RunsBackward ? _normalized : y);
            return;
        }
        else
        {
            _mean.AsSpan().Clear();
            Channelwise.AddSums(x, _spatial, _mean);

            TensorPrimitives.Divide(_mean, values, _mean);
        }

        // y = x - mu (in place when top is bottom: each element is read before it is written).
        Channelwise.Subtract(x, _mean, _spatial, y);

        _variance.AsSpan().Clear();
        Channelwise.AddSumsOfSquares(y, _spatial, _variance);
        TensorPrimitives.Divide(_variance, values, _variance);
        UpdateRunningStatistics(values);

        TensorPrimitives.Add(_variance, _eps, _std);
        TensorPrimitives.Sqrt(_std, _std);
        Channelwise.Divide(y, _std, _spatial, y);

        // Kept for backward: a later in-place layer may overwrite the top.
        if (RunsBackward)
        {
            y.CopyTo(_normalized);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        // Per-channel sums first: in place, the bottom diff written below is the top diff read here.
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> y = _normalized.AsSpan(0, dy.Length);
        _sumDiff.AsSpan().Clear();
        _sumDiffTimesNormalized.AsSpan().Clear();
        Channelwise.AddSums(dy, _spatial, _sumDiff);
        Channelwise.AddDots(dy, y, _spatial, _sumDiffTimesNormalized);

        if (_useGlobalStats)
        {
            AccumulateStatisticsGradients();
        }

        if (!propagateDown[0])
        {
            return;
        }

        var dx = bottom[0].Diff;
        var values = _num * _spatial;
        if (_useGlobalStats)
        {
            Channelwise.Divide(dy, _std, _spatial, dx);
        }
        else
        {
            Channelwise.NormalizeBackward(dy, y, _sumDiff, _sumDiffTimesNormalized, _std, values, _spatial, dx);
        }
    }

    private void UpdateRunningStatistics(int values)
    {
        var fraction = _movingAverageFraction;
        var factor = Blobs[2].Data;
        factor[0] = (factor[0] * fraction) + 1f;
        Blas.Axpby(1f, _mean, fraction, Blobs[0].Data);

        // The running variance is unbiased: the batch variance times m / (m - 1).
        var correction = values > 1 ? (float)values / (values - 1) : 1f;
        Blas.Axpby(correction, _variance, fraction, Blobs[1].Data);
    }

    private void AccumulateStatisticsGradients()
    {
        var factor = Blobs[2].Data[0];
        if (factor == 0f)
        {
            // mu and var are pinned at 0 while s = 0: no gradient flows to the blobs.
            return;
        }

        var scale = 1f / factor;
        var factorGradient = 0f;
        for (var c = 0; c < _channels; c++)
        {
            // dL/dmu = -sum(dy) / std; dL/dvar = -sum(dy y) / (2 std^2).
            var meanGradient = -_sumDiff[c] / _std[c];
            var varianceGradient = -0.5f * _sumDiffTimesNormalized[c] / (_std[c] * _std[c]);
            if (ParamPropagateDown(0))
            {
                Blobs[0].Diff[c] += scale * meanGradient;
            }

            if (ParamPropagateDown(1))
            {
                Blobs[1].Diff[c] += scale * varianceGradient;
            }

            // mu = M / s and var = V / s: d/ds = -mu / s and -var / s.
            factorGradient -= scale * ((meanGradient * _mean[c]) + (varianceGradient * _variance[c]));
        }

        if (ParamPropagateDown(2))
        {
            Blobs[2].Diff[0] += factorGradient;
        }
    }
}
