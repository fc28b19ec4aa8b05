using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's LRN (local response normalisation): each input is divided by a power of the sum of squares of its
/// neighbours across channels (ACROSS_CHANNELS) or in a square of its own channel (WITHIN_CHANNEL).
/// </summary>
/// <remarks>
/// <para>
/// The bottom is num x channels x height x width; n = <c>local_size</c> (odd), the window runs (n - 1) / 2 either
/// side of the centre, clipped to the blob.
/// </para>
/// <para>
/// ACROSS_CHANNELS: s = k + alpha / n * sum over the channel window of x^2; y = x s^-beta.
/// Backward: dx = dy s^-beta - (2 alpha beta / n) x * sum over the channel window of (dy y / s).
/// </para>
/// <para>
/// WITHIN_CHANNEL (Caffe builds it from square, average pooling, power and product layers; the same math is
/// done here directly): s = 1 + alpha / n^2 * sum over the n x n spatial window of x^2 (Caffe's power layer uses
/// shift 1 here, so <c>k</c> is not used); y = x s^-beta.
/// Backward: dx = dy s^-beta - (2 alpha beta / n^2) x * sum over the spatial window of (dy y / s).
/// </para>
/// </remarks>
public sealed class LRNLayer : Layer
{
    private readonly int _size;
    private readonly int _prePad;
    private readonly float _alpha;
    private readonly float _beta;
    private readonly float _k;
    private readonly bool _acrossChannels;
    private int _num;
    private int _channels;
    private int _height;
    private int _width;
    private float[] _scale = [];
    private float[] _padded = [];
    private float[] _accumulator = [];
    private float[] _product = [];

    /// <summary>Creates the layer from its definition (<c>lrn_param</c>).</summary>
    public LRNLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.LrnParam ?? new LRNParameter();
        if (p.LocalSize % 2 != 1 || p.LocalSize > int.MaxValue / 4)
        {
            throw Error($"lrn_param.local_size must be odd, got {p.LocalSize}");
        }

        if (p.NormRegion is not (LRNParameter.Types.NormRegion.AcrossChannels or LRNParameter.Types.NormRegion.WithinChannel))
        {
            throw Error($"lrn_param.norm_region {p.NormRegion} is not a known region");
        }

        _size = (int)p.LocalSize;
        _prePad = (_size - 1) / 2;
        _alpha = p.Alpha;
        _beta = p.Beta;
        _k = p.K;
        _acrossChannels = p.NormRegion == LRNParameter.Types.NormRegion.AcrossChannels;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        if (input.AxisCount != 4)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; LRN needs 4 axes (num, channels, height, width)");
        }

        _num = input.Num;
        _channels = input.Channels;
        _height = input.Height;
        _width = input.Width;
        top[0].ReshapeLike(input);
        var plane = _height * _width;
        Grow(ref _scale, input.Count);
        Grow(ref _padded, _acrossChannels ? (_channels + _size - 1) * plane : plane);
        Grow(ref _accumulator, plane);
        Grow(ref _product, plane);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var count = bottom[0].Count;
        var scale = _scale.AsSpan(0, count);
        if (_acrossChannels)
        {
            AcrossChannelsScale(bottom[0].Data, scale);
        }
        else
        {
            WithinChannelScale(bottom[0].Data, scale);
        }

        // y = x s^-beta
        var output = top[0].Data;
        TensorPrimitives.Pow(scale, -_beta, output);
        TensorPrimitives.Multiply(output, bottom[0].Data, output);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var count = bottom[0].Count;
        var scale = _scale.AsSpan(0, count);
        var bottomDiff = bottom[0].Diff;

        // dx = dy s^-beta, then the window term is subtracted.
        TensorPrimitives.Pow(scale, -_beta, bottomDiff);
        TensorPrimitives.Multiply(bottomDiff, top[0].Diff, bottomDiff);
        if (_acrossChannels)
        {
            AcrossChannelsBackward(top[0].Data, top[0].Diff, bottom[0].Data, scale, bottomDiff);
        }
        else
        {
            WithinChannelBackward(top[0].Data, top[0].Diff, bottom[0].Data, scale, bottomDiff);
        }
    }

    /// <summary>s = k + alpha / n * (window sum of x^2 across channels), as Caffe: a running window over a zero-padded square.</summary>
    private void AcrossChannelsScale(ReadOnlySpan<float> bottom, Span<float> scale)
    {
        var plane = _height * _width;
        var itemSize = _channels * plane;
        var padded = _padded.AsSpan(0, (_channels + _size - 1) * plane);
        var alphaOverSize = _alpha / _size;
        scale.Fill(_k);
        for (var n = 0; n < _num; n++)
        {
            var x = bottom.Slice(n * itemSize, itemSize);
            var s = scale.Slice(n * itemSize, itemSize);
            padded.Clear();
            TensorPrimitives.Multiply(x, x, padded.Slice(_prePad * plane, itemSize));
            var first = s[..plane];
            for (var c = 0; c < _size; c++)
            {
                Blas.Axpy(alphaOverSize, padded.Slice(c * plane, plane), first);
            }

            for (var c = 1; c < _channels; c++)
            {
                var current = s.Slice(c * plane, plane);
                s.Slice((c - 1) * plane, plane).CopyTo(current);
                Blas.Axpy(alphaOverSize, padded.Slice((c + _size - 1) * plane, plane), current);
                Blas.Axpy(-alphaOverSize, padded.Slice((c - 1) * plane, plane), current);
            }
        }
    }

    private void AcrossChannelsBackward(
        ReadOnlySpan<float> topData, ReadOnlySpan<float> topDiff, ReadOnlySpan<float> bottomData, ReadOnlySpan<float> scale, Span<float> bottomDiff)
    {
        var plane = _height * _width;
        var itemSize = _channels * plane;
        var padded = _padded.AsSpan(0, (_channels + _size - 1) * plane);
        var accumulator = _accumulator.AsSpan(0, plane);
        var product = _product.AsSpan(0, plane);
        var cacheRatio = 2f * _alpha * _beta / _size;
        var inversePrePad = _size - ((_size + 1) / 2);
        for (var n = 0; n < _num; n++)
        {
            var offset = n * itemSize;

            // ratio = dy y / s, zero-padded across channels.
            padded.Clear();
            var ratio = padded.Slice(inversePrePad * plane, itemSize);
            TensorPrimitives.Multiply(topDiff.Slice(offset, itemSize), topData.Slice(offset, itemSize), ratio);
            TensorPrimitives.Divide(ratio, scale.Slice(offset, itemSize), ratio);
            accumulator.Clear();
            for (var c = 0; c < _size - 1; c++)
            {
                TensorPrimitives.Add(accumulator, padded.Slice(c * plane, plane), accumulator);
            }

            for (var c = 0; c < _channels; c++)
            {
                TensorPrimitives.Add(accumulator, padded.Slice((c + _size - 1) * plane, plane), accumulator);
                TensorPrimitives.Multiply(accumulator, bottomData.Slice(offset + (c * plane), plane), product);
                Blas.Axpy(-cacheRatio, product, bottomDiff.Slice(offset + (c * plane), plane));
                TensorPrimitives.Subtract(accumulator, padded.Slice(c * plane, plane), accumulator);
            }
        }
    }

    /// <summary>s = 1 + alpha * (mean of x^2 over the n x n window, padding counted as zeros).</summary>
    private void WithinChannelScale(ReadOnlySpan<float> bottom, Span<float> scale)
    {
        var plane = _height * _width;
        var squares = _padded.AsSpan(0, plane);
        var poolSize = (float)(_size * _size);
        for (var i = 0; i < _num * _channels; i++)
        {
            TensorPrimitives.Multiply(bottom.Slice(i * plane, plane), bottom.Slice(i * plane, plane), squares);
            var s = scale.Slice(i * plane, plane);
            WindowSums(squares, s);
            for (var j = 0; j < plane; j++)
            {
                s[j] = 1f + (_alpha * (s[j] / poolSize));
            }
        }
    }

    private void WithinChannelBackward(
        ReadOnlySpan<float> topData, ReadOnlySpan<float> topDiff, ReadOnlySpan<float> bottomData, ReadOnlySpan<float> scale, Span<float> bottomDiff)
    {
        var plane = _height * _width;
        var ratio = _padded.AsSpan(0, plane);
        var sums = _accumulator.AsSpan(0, plane);
        var product = _product.AsSpan(0, plane);
        var cacheRatio = 2f * _alpha * _beta / (_size * _size);
        for (var i = 0; i < _num * _channels; i++)
        {
            var at = i * plane;
            TensorPrimitives.Multiply(topDiff.Slice(at, plane), topData.Slice(at, plane), ratio);
            TensorPrimitives.Divide(ratio, scale.Slice(at, plane), ratio);

            // The windows are symmetric, so the outputs whose window holds x are those in x's own window.
            WindowSums(ratio, sums);
            TensorPrimitives.Multiply(sums, bottomData.Slice(at, plane), product);
            Blas.Axpy(-cacheRatio, product, bottomDiff.Slice(at, plane));
        }
    }

    /// <summary>For every position of a height x width plane, the sum of the values in the n x n window centred there, clipped to the plane.</summary>
    private void WindowSums(ReadOnlySpan<float> values, Span<float> sums)
    {
        for (var h = 0; h < _height; h++)
        {
            var hStart = Math.Max(h - _prePad, 0);
            var hEnd = Math.Min(h - _prePad + _size, _height);
            for (var w = 0; w < _width; w++)
            {
                var wStart = Math.Max(w - _prePad, 0);
                var wEnd = Math.Min(w - _prePad + _size, _width);
                var sum = 0f;
                for (var y = hStart; y < hEnd; y++)
                {
                    sum += TensorPrimitives.Sum(values.Slice((y * _width) + wStart, wEnd - wStart));
                }

                sums[(h * _width) + w] = sum;
            }
        }
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
