using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Mean-variance normalisation (Caffe's MVN; <c>mvn_param</c>: normalize_variance, default true; across_channels,
/// default false; eps, default 1e-9): each item's channels (or each item as a whole, across channels) get zero mean
/// and, optionally, unit variance.
/// </summary>
/// <remarks>
/// <para>
/// The bottom is read through Caffe's 4-D accessors (at most 4 axes, missing ones 1) and the top is num x channels x
/// height x width, as in Caffe. A row is one channel of one item (H W values), or one item (C H W values) across
/// channels.
/// </para>
/// <para>
/// Forward: y = x - mean(x) over the row; with normalize_variance, y /= sqrt(mean(y^2)) + eps (eps added after the
/// square root, as Caffe adds it).
/// </para>
/// <para>
/// Backward: without normalize_variance, dx = dy - mean(dy); with it, dx = (dy - (y sum(y dy) + sum(dy)) / n) / s,
/// with n the row's length and s = sqrt(var) + eps as in forward. Works in place.
/// </para>
/// </remarks>
/// <param name="parameter">The layer's definition (<c>mvn_param</c>).</param>
public sealed class MVNLayer(LayerParameter parameter) : Layer(parameter, BlobArity.Exactly(1), BlobArity.Exactly(1))
{
    private readonly MVNParameter _mvn = parameter.MvnParam ?? new MVNParameter();
    private float[] _scale = [];
    private int _rows;
    private int _dim;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var x = bottom[0];
        if (x.AxisCount > 4)
        {
            throw Error($"bottom '{x.Name}' has shape {x.ShapeString}; MVN reads at most 4 axes (num, channels, height, width)");
        }

        int[] shape = [x.Num, x.Channels, x.Height, x.Width];
        top[0].Reshape(shape);
        _rows = _mvn.AcrossChannels ? shape[0] : shape[0] * shape[1];
        _dim = _rows == 0 ? 0 : x.Count / _rows;
        if (_scale.Length != _rows)
        {
            _scale = new float[_rows];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        MeanVarianceNormalization.Forward(bottom[0].Data, top[0].Data, _rows, _dim, _mvn.NormalizeVariance, _mvn.Eps, _scale);

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0])
        {
            MeanVarianceNormalization.Backward(top[0].Data, top[0].Diff, bottom[0].Diff, _rows, _dim, _mvn.NormalizeVariance, _scale);
        }
    }
}
