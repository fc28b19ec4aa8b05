using Caffe;
using LayerNet.Blobs;
using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// Repeats its bottom <c>tiles</c> times along <c>axis</c> (Caffe's Tile): a C x H bottom tiled 3 times on axis 1
/// becomes C x 3H, each row repeated whole.
/// </summary>
/// <remarks>
/// <para>The bottom is read as O x I (O = the axes before <c>axis</c>, I = the rest); the top is O x T x I, T = tiles.</para>
/// <para>Forward: y[o, t, :] = x[o, :].</para>
/// <para>Backward: dx[o, :] = sum_t dy[o, t, :].</para>
/// </remarks>
public sealed class TileLayer : Layer
{
    private readonly int _axisParameter;
    private readonly int _tiles;
    private int _outer;
    private int _inner;

    /// <summary>Creates the layer from its definition (<c>tile_param</c>).</summary>
    public TileLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.TileParam ?? new TileParameter();
        if (!p.HasTiles)
        {
            throw Error("tile_param.tiles must be given");
        }

        if (p.Tiles <= 0)
        {
            throw Error($"tile_param.tiles {p.Tiles} is invalid; expected a positive count");
        }

        _axisParameter = p.Axis;
        _tiles = p.Tiles;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var axes = input.AxisCount;
        var axis = CanonicalAxis(_axisParameter, input, "tile_param.axis");
        var shape = new int[axes];
        for (var i = 0; i < axes; i++)
        {
            shape[i] = input.Shape[i];
        }

        var tiled = (long)shape[axis] * _tiles;
        if (tiled > int.MaxValue)
        {
            throw Error($"tiling axis {axis} of bottom '{input.Name}' ({input.ShapeString}) {_tiles} times gives a dimension too large");
        }

        shape[axis] = (int)tiled;
        top[0].Reshape(shape);
        _outer = input.CountRange(0, axis);
        _inner = input.CountFrom(axis);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        for (var o = 0; o < _outer; o++)
        {
            var source = x.Slice(o * _inner, _inner);
            for (var t = 0; t < _tiles; t++)
            {
                source.CopyTo(y.Slice(((o * _tiles) + t) * _inner, _inner));
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

        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        for (var o = 0; o < _outer; o++)
        {
            var target = dx.Slice(o * _inner, _inner);
            dy.Slice(o * _tiles * _inner, _inner).CopyTo(target);
            for (var t = 1; t < _tiles; t++)
            {
                Blas.Axpy(1f, dy.Slice(((o * _tiles) + t) * _inner, _inner), target);
            }
        }
    }
}
