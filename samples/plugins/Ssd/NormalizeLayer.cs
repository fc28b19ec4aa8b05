using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// L2 normalisation with a learned scale (the SSD fork's Normalize, from ParseNet): each item (across_spatial) or
/// each position's channel vector (not across_spatial) is divided by its L2 norm, then multiplied by the scale, one
/// for all channels (channel_shared) or one per channel. Learnable blob: the scale, shape () or (C), filled by
/// <c>scale_filler</c> (constant 1 when not given).
/// </summary>
/// <remarks>
/// <para>Forward: norm = sqrt(sum of x^2 + eps) over the item, or over the channels at each position; y = s x / norm.</para>
/// <para>
/// Backward, the fork's formulas: dx = s (dy - x (x · dy) / norm^2) / norm, with x · dy summed over the same
/// elements as the norm and s each element's scale; ds = sum of y dy / s over the elements the scale multiplies.
/// The fork leaves the per-channel scales out of x · dy, which is the exact gradient whenever the channels' scales
/// are equal (how the filler starts them); LayerNet keeps the fork's formula so training follows the fork's.
/// </para>
/// </remarks>
public sealed class NormalizeLayer : Layer
{
    private float[] _norm = [];
    private float[] _buffer = [];
    private bool _acrossSpatial;
    private bool _channelShared;
    private float _eps;

    /// <summary>Creates the layer from its definition (<c>norm_param</c>).</summary>
    public NormalizeLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireAxes(bottom[0]);
        var p = ExtensionParameter(SsdExtensions.NormParam);
        _acrossSpatial = p.AcrossSpatial;
        _channelShared = p.ChannelShared;
        _eps = p.Eps;
        RequireLearnableBlobCount("scale");
        var filler = p.ScaleFiller ?? new FillerParameter { Type = "constant", Value = 1f };
        LearnableBlob(0, "scale", _channelShared ? [] : [bottom[0].Channels], filler, "norm_param.scale_filler");
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireAxes(bottom[0]);
        if (!_channelShared && Blobs[0].Count != bottom[0].Channels)
        {
            throw Error($"the scale has {Blobs[0].Count} values for bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} ({bottom[0].Channels} channels)");
        }

        top[0].ReshapeLike(bottom[0]);
        var spatial = bottom[0].Height * bottom[0].Width;
        var normCount = _acrossSpatial ? bottom[0].Num : bottom[0].Num * spatial;
        if (_norm.Length < normCount)
        {
            _norm = new float[normCount];
        }

        if (_buffer.Length < Math.Max(spatial, bottom[0].Channels))
        {
            _buffer = new float[Math.Max(spatial, bottom[0].Channels)];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var x = bottom[0].Data;
        var y = top[0].Data;
        ReadOnlySpan<float> scale = Blobs[0].Data;
        int num = bottom[0].Num, channels = bottom[0].Channels, spatial = bottom[0].Height * bottom[0].Width;
        var dimension = channels * spatial;
        for (var n = 0; n < num; n++)
        {
            var xn = x.Slice(n * dimension, dimension);
            var yn = y.Slice(n * dimension, dimension);
            if (_acrossSpatial)
            {
                var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(xn) + _eps);
                _norm[n] = norm;
                TensorPrimitives.Multiply(xn, 1f / norm, yn);
            }
            else
            {
                var norms = _norm.AsSpan(n * spatial, spatial);
                norms.Fill(_eps);
                for (var c = 0; c < channels; c++)
                {
                    var xc = xn.Slice(c * spatial, spatial);
                    for (var s = 0; s < spatial; s++)
                    {
                        norms[s] += xc[s] * xc[s];
                    }
                }

                TensorPrimitives.Sqrt(norms, norms);
                for (var c = 0; c < channels; c++)
                {
                    TensorPrimitives.Divide(xn.Slice(c * spatial, spatial), norms, yn.Slice(c * spatial, spatial));
                }
            }

            Scale(yn, scale, channels, spatial);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        var scale = Blobs[0].Data;
        int num = bottom[0].Num, channels = bottom[0].Channels, spatial = bottom[0].Height * bottom[0].Width;
        var dimension = channels * spatial;
        if (ParamPropagateDown(0))
        {
            var scaleDiff = Blobs[0].Diff;
            if (_channelShared)
            {
                scaleDiff[0] += TensorPrimitives.Dot(y, dy) / scale[0];
            }
            else
            {
                for (var n = 0; n < num; n++)
                {
                    for (var c = 0; c < channels; c++)
                    {
                        var offset = (n * dimension) + (c * spatial);
                        scaleDiff[c] += TensorPrimitives.Dot(y.Slice(offset, spatial), dy.Slice(offset, spatial)) / scale[c];
                    }
                }
            }
        }

        if (!propagateDown[0])
        {
            return;
        }

        var dx = bottom[0].Diff;
        for (var n = 0; n < num; n++)
        {
            var xn = x.Slice(n * dimension, dimension);
            var dyn = dy.Slice(n * dimension, dimension);
            var dxn = dx.Slice(n * dimension, dimension);
            if (_acrossSpatial)
            {
                var norm = _norm[n];
                var a = TensorPrimitives.Dot(xn, dyn) / norm / norm;
                for (var i = 0; i < dimension; i++)
                {
                    dxn[i] = (dyn[i] - (a * xn[i])) * (1f / norm);
                }
            }
            else
            {
                ReadOnlySpan<float> norms = _norm.AsSpan(n * spatial, spatial);
                var dots = _buffer.AsSpan(0, spatial);
                dots.Clear();
                for (var c = 0; c < channels; c++)
                {
                    var offset = c * spatial;
                    for (var s = 0; s < spatial; s++)
                    {
                        dots[s] += xn[offset + s] * dyn[offset + s];
                    }
                }

                for (var c = 0; c < channels; c++)
                {
                    var offset = c * spatial;
                    for (var s = 0; s < spatial; s++)
                    {
                        var norm = norms[s];
                        dxn[offset + s] = (dyn[offset + s] - (xn[offset + s] * dots[s] / (norm * norm))) / norm;
                    }
                }
            }

            Scale(dxn, scale, channels, spatial);
        }
    }

    private void Scale(Span<float> values, ReadOnlySpan<float> scale, int channels, int spatial)
    {
        if (_channelShared)
        {
            TensorPrimitives.Multiply(values, scale[0], values);
            return;
        }

        for (var c = 0; c < channels; c++)
        {
            var slice = values.Slice(c * spatial, spatial);
            TensorPrimitives.Multiply(slice, scale[c], slice);
        }
    }

    private void RequireAxes(Blob bottom)
    {
        if (bottom.AxisCount is < 2 or > 4)
        {
            throw Error($"bottom '{bottom.Name}' has shape {bottom.ShapeString}; Normalize needs 2 to 4 axes (num, channels[, height, width])");
        }
    }
}
