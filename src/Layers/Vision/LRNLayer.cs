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
/// <para>
/// Not in place: backward needs both x and y, so a top that is the bottom is an error at set-up (Caffe computes a
/// wrong gradient silently).
/// </para>
/// </remarks>
public sealed class LRNLayer : Layer
{
    private readonly int _size;
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
        _alpha = p.Alpha;
        _beta = p.Beta;
        _k = p.K;
        _acrossChannels = p.NormRegion == LRNParameter.Types.NormRegion.AcrossChannels;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        RequireImageAxes(input, "LRN");

        // Backward needs both the input and the output (Caffe's in-place LRN silently computes a wrong gradient).
        RequireOutOfPlace(input, top[0]);

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
        var scale = _scale.AsSpan(0, bottom[0].Count);
        if (_acrossChannels)
        {
            LocalResponseNormalization.AcrossChannelsForward(
                bottom[0].Data, top[0].Data, scale, _num, _channels, _height * _width, _size, _alpha, _beta, _k, _padded);
        }
        else
        {
            LocalResponseNormalization.WithinChannelForward(
                bottom[0].Data, top[0].Data, scale, _num * _channels, _height, _width, _size, _alpha, _beta, _padded);
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        var scale = _scale.AsSpan(0, bottom[0].Count);
        if (_acrossChannels)
        {
            LocalResponseNormalization.AcrossChannelsBackward(
                bottom[0].Data, top[0].Data, top[0].Diff, scale, bottom[0].Diff, _num, _channels, _height * _width, _size, _alpha, _beta, _padded, _accumulator, _product);
        }
        else
        {
            LocalResponseNormalization.WithinChannelBackward(
                bottom[0].Data, top[0].Data, top[0].Diff, scale, bottom[0].Diff, _num * _channels, _height, _width, _size, _alpha, _beta, _padded, _accumulator, _product);
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
