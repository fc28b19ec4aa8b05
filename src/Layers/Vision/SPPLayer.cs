using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's SPP (spatial pyramid pooling): the bottom pooled at <c>pyramid_height</c> levels of ever finer grids,
/// each level flattened per item and the levels concatenated, so that any image size gives a fixed-length vector.
/// </summary>
/// <remarks>
/// <para>
/// Level l (0 &lt;= l &lt; pyramid_height) pools a grid of b = 2^l bins per axis with Caffe's Pooling (MAX or AVE)
/// and the window Caffe's SPP chooses: on an axis of size H, kernel k = ceil(H / b), pad p = (k b - H + 1) / 2 and
/// stride k; its output size is Pooling's (normally b). Pooling's rule p &lt; k does not hold for every size (4 bins
/// of a 5-pixel axis need pad 2 with kernel 2, while 4 or 6 pixels pass): such a bottom is refused, as Caffe refuses it.
/// </para>
/// <para>
/// Forward: top[n] = (level 0 of item n, channel by channel, then level 1, ...): num x (channels x sum of the
/// levels' bin counts). With <c>pyramid_height: 1</c> the top is the single pooling's, num x channels x 1 x 1,
/// as in Caffe.
/// </para>
/// <para>
/// Backward: dx = the sum over the levels of each level's Pooling backward (MAX: dy at the window's argmax; AVE:
/// dy / window size over the window).
/// </para>
/// </remarks>
public sealed class SPPLayer : Layer
{
    private readonly bool _max;
    private readonly int _levels;
    private readonly PoolGeometry[] _geometry;
    private readonly int[] _offset;
    private int _channels;
    private int _items;
    private int _bottomDim;
    private int _topDim;
    private int[] _argmax = [];
    private float[] _levelDiff = [];

    /// <summary>Creates the layer from its definition (<c>spp_param</c>).</summary>
    public SPPLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.SppParam ?? new SPPParameter();
        if (p.Pool == SPPParameter.Types.PoolMethod.Stochastic)
        {
            throw Error("spp_param.pool STOCHASTIC is not supported; use MAX or AVE");
        }

        if (p.Pool is not (SPPParameter.Types.PoolMethod.Max or SPPParameter.Types.PoolMethod.Ave))
        {
            throw Error($"spp_param.pool {p.Pool} is not a known pooling method");
        }

        _max = p.Pool == SPPParameter.Types.PoolMethod.Max;
        _levels = PositiveCount(p.PyramidHeight, "spp_param.pyramid_height");
        if (_levels > 31)
        {
            // 2^31 bins fit no axis: level 31 would fail the pad rule on any bottom.
            throw Error($"spp_param.pyramid_height {_levels} is out of range; expected at most 31");
        }

        _geometry = new PoolGeometry[_levels];
        _offset = new int[_levels + 1];
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        RequireImageAxes(input, "SPP");
        RequireOutOfPlace(input, top[0]);
        int height = input.Height, width = input.Width;
        if (height <= 0 || width <= 0)
        {
            throw Error($"bottom '{input.Name}' of shape {input.ShapeString} is empty; SPP needs a height and width of at least 1");
        }

        _items = input.Num;
        _channels = input.Channels;
        for (var level = 0; level < _levels; level++)
        {
            var bins = 1L << level;
            var (kernelH, padH) = LevelWindow(height, bins);
            var (kernelW, padW) = LevelWindow(width, bins);
            if (padH >= kernelH || padW >= kernelW)
            {
                throw Error(
                    $"bottom '{input.Name}' of shape {input.ShapeString} is too small for spp_param.pyramid_height {_levels}: level {level} " +
                    $"({bins} x {bins} bins) needs a pad of {padH} x {padW}, which must be less than its kernel size ({kernelH} x {kernelW}); " +
                    "use fewer levels");
            }

            var pooledH = PoolingLayer.PooledSize(height, kernelH, padH, kernelH, floor: false);
            var pooledW = PoolingLayer.PooledSize(width, kernelW, padW, kernelW, floor: false);
            _geometry[level] = new PoolGeometry(height, width, pooledH, pooledW, kernelH, kernelW, kernelH, kernelW, padH, padW);
            _offset[level + 1] = _offset[level] + (_channels * pooledH * pooledW);
        }

        _bottomDim = input.CountFrom(1);
        _topDim = _offset[_levels];
        if (_levels == 1)
        {
            top[0].Reshape([_items, _channels, _geometry[0].PooledHeight, _geometry[0].PooledWidth]);
        }
        else
        {
            top[0].Reshape([_items, _topDim]);
        }

        if (_max && _argmax.Length < top[0].Count)
        {
            _argmax = new int[top[0].Count];
        }

        if (_levels > 1 && _levelDiff.Length < _bottomDim)
        {
            _levelDiff = new float[_bottomDim];
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var x = bottom[0].Data;
        var y = top[0].Data;
        for (var n = 0; n < _items; n++)
        {
            var item = x.Slice(n * _bottomDim, _bottomDim);
            for (var level = 0; level < _levels; level++)
            {
                var at = (n * _topDim) + _offset[level];
                var length = _offset[level + 1] - _offset[level];
                if (_max)
                {
                    Pooling.MaxForward(item, _channels, _geometry[level], y.Slice(at, length), _argmax.AsSpan(at, length));
                }
                else
                {
                    Pooling.AverageForward(item, _channels, _geometry[level], y.Slice(at, length));
                }
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

        var dy = top[0].Diff;
        var dx = bottom[0].Diff;
        var levelDiff = _levelDiff.AsSpan(0, _levels > 1 ? _bottomDim : 0);
        for (var n = 0; n < _items; n++)
        {
            var item = dx.Slice(n * _bottomDim, _bottomDim);
            for (var level = 0; level < _levels; level++)
            {
                // Level 0 overwrites the item's gradient; each finer level's is added to it.
                var target = level == 0 ? item : levelDiff;
                var at = (n * _topDim) + _offset[level];
                var length = _offset[level + 1] - _offset[level];
                if (_max)
                {
                    Pooling.MaxBackward(dy.Slice(at, length), _argmax.AsSpan(at, length), _channels, _geometry[level], target);
                }
                else
                {
                    Pooling.AverageBackward(dy.Slice(at, length), _channels, _geometry[level], target);
                }

                if (level > 0)
                {
                    TensorPrimitives.Add(item, levelDiff, item);
                }
            }
        }
    }

    // Caffe's SPP window for b bins on an axis of the given size: kernel ceil(size / b), and half the shortfall
    // k b - size (rounded up) as the pad on each side.
    internal static (int Kernel, int Pad) LevelWindow(int size, long bins)
    {
        var kernel = (size + bins - 1) / bins;
        var pad = ((kernel * bins) - size + 1) / 2;
        return ((int)kernel, (int)Math.Min(pad, int.MaxValue));
    }
}
