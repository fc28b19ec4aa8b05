using Caffe;
using LayerNet.Blobs;

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
public sealed class MVNLayer : Layer
{
    private readonly bool _normalizeVariance;
    private readonly bool _acrossChannels;
    private readonly float _eps;
    private float[] _scale = [];
    private int _rows;
    private int _dim;

    /// <summary>Creates the layer from its definition (<c>mvn_param</c>).</summary>
    /// <param name="parameter">The layer's definition.</param>
    public MVNLayer(LayerParameter parameter)
        : base(parameter, BlobArity.Exactly(1), BlobArity.Exactly(1))
    {
        var p = parameter.MvnParam ?? new MVNParameter();
        _normalizeVariance = p.NormalizeVariance;
        _acrossChannels = p.AcrossChannels;
        _eps = p.Eps;
    }

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
        _rows = _acrossChannels ? shape[0] : shape[0] * shape[1];
        _dim = _rows == 0 ? 0 : x.Count / _rows;
        if (_scale.Length != _rows)
        {
            _scale = new float[_rows];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        var inverseDim = 1f / _dim;
        for (var r = 0; r < _rows; r++)
        {
            var row = x.Slice(r * _dim, _dim);
            var output = y.Slice(r * _dim, _dim);
            var sum = 0f;
            foreach (var value in row)
            {
                sum += value;
            }

            var mean = sum * inverseDim;
            for (var i = 0; i < _dim; i++)
            {
                output[i] = row[i] - mean;
            }

            if (!_normalizeVariance)
            {
                continue;
            }

            var squares = 0f;
            foreach (var value in output)
            {
                squares += value * value;
            }

            var scale = MathF.Sqrt(squares * inverseDim) + _eps;
            _scale[r] = scale;
            for (var i = 0; i < _dim; i++)
            {
                output[i] /= scale;
            }
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        var inverseDim = 1f / _dim;
        for (var r = 0; r < _rows; r++)
        {
            var rowY = y.Slice(r * _dim, _dim);
            var rowDy = dy.Slice(r * _dim, _dim);
            var rowDx = dx.Slice(r * _dim, _dim);
            var sumDy = 0f;
            var sumYDy = 0f;
            for (var i = 0; i < _dim; i++)
            {
                sumDy += rowDy[i];
                sumYDy += rowY[i] * rowDy[i];
            }

            // In place dx is dy: each element reads dy[i] before writing dx[i], after both sums are taken.
            for (var i = 0; i < _dim; i++)
            {
                rowDx[i] = _normalizeVariance
                    ? (rowDy[i] - (inverseDim * ((rowY[i] * sumYDy) + sumDy))) / _scale[r]
                    : rowDy[i] - (sumDy * inverseDim);
            }
        }
    }
}
