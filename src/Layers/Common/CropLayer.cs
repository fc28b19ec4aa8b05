using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Crops its first bottom to the shape of its second from <c>axis</c> on (Caffe's Crop); the axes before keep the
/// first bottom's size. The second bottom gives only a shape: its values are not read and it gets no gradient.
/// </summary>
/// <remarks>
/// <para>
/// For every axis k &gt;= <c>axis</c> (default 2, negative counting from the end) the top has bottom 1's size and
/// starts at offset o_k: the single <c>offset</c> for all of them, one <c>offset</c> per cropped axis, or 0.
/// o_k + size_k must fit in bottom 0.
/// </para>
/// <para>Forward: y[i] = x[i + o] (multi-indices, o = 0 on the uncropped axes).</para>
/// <para>Backward: dx[i + o] = dy[i], dx = 0 elsewhere; bottom 1's gradient is 0.</para>
/// </remarks>
public sealed class CropLayer : Layer
{
    private readonly int _axisParameter;
    private readonly int[] _offsetParameter;
    private int[] _offsets = [];
    private int[] _bottomStrides = [];
    private int[] _topShape = [];
    private int[] _index = [];

    /// <summary>Creates the layer from its definition (<c>crop_param</c>).</summary>
    public CropLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(2), tops: BlobArity.Exactly(1))
    {
        var p = parameter.CropParam ?? new CropParameter();
        _axisParameter = p.Axis;
        _offsetParameter = new int[p.Offset.Count];
        for (var i = 0; i < _offsetParameter.Length; i++)
        {
            if (p.Offset[i] > int.MaxValue)
            {
                throw Error($"crop_param.offset {p.Offset[i]} is out of range");
            }

            _offsetParameter[i] = (int)p.Offset[i];
        }
    }

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex == 0;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var reference = bottom[1];
        var axes = input.AxisCount;
        if (reference.AxisCount != axes)
        {
            throw Error($"bottom 0 '{input.Name}' ({input.ShapeString}) and bottom 1 '{reference.Name}' ({reference.ShapeString}) must have the same number of axes");
        }

        var start = CanonicalAxis(_axisParameter, input, "crop_param.axis");
        if (_offsetParameter.Length > 1 && _offsetParameter.Length != axes - start)
        {
            throw Error($"crop_param.offset must be given once, or once per cropped axis ({axes - start}, axes {start} to {axes - 1}); {_offsetParameter.Length} given");
        }

        if (_offsets.Length != axes)
        {
            _offsets = new int[axes];
            _bottomStrides = new int[axes];
            _topShape = new int[axes];
            _index = new int[axes];
        }

        for (var k = 0; k < axes; k++)
        {
            var offset = 0;
            var size = input.Shape[k];
            if (k >= start)
            {
                size = reference.Shape[k];
                offset = _offsetParameter.Length switch
                {
                    0 => 0,
                    1 => _offsetParameter[0],
                    _ => _offsetParameter[k - start],
                };
                if ((long)offset + size > input.Shape[k])
                {
                    throw Error($"cannot crop axis {k} to size {size} at offset {offset}: bottom 0 '{input.Name}' ({input.ShapeString}) has only {input.Shape[k]} there");
                }
            }

            _offsets[k] = offset;
            _topShape[k] = size;
            _bottomStrides[k] = input.CountFrom(k + 1);
        }

        top[0].Reshape(_topShape);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Copy(bottom[0].Data, top[0].Data, toTop: true);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0])
        {
            var dx = bottom[0].Diff;
            dx.Clear();
            Copy(dx, top[0].Diff, toTop: false);
        }

        if (propagateDown[1])
        {
            // The top does not depend on bottom 1's values.
            bottom[1].Diff.Clear();
        }
    }

    /// <summary>Copies each innermost row of the cropped window between the bottom and the top.</summary>
    private void Copy(Span<float> bottomValues, Span<float> topValues, bool toTop)
    {
        var axes = _topShape.Length;
        var last = axes - 1;
        var row = _topShape[last];
        if (row == 0 || topValues.Length == 0)
        {
            return;
        }

        var rows = topValues.Length / row;
        Array.Clear(_index);
        for (var r = 0; r < rows; r++)
        {
            var source = _offsets[last];
            for (var k = 0; k < last; k++)
            {
                source += (_index[k] + _offsets[k]) * _bottomStrides[k];
            }

            if (toTop)
            {
                bottomValues.Slice(source, row).CopyTo(topValues.Slice(r * row, row));
            }
            else
            {
                topValues.Slice(r * row, row).CopyTo(bottomValues.Slice(source, row));
            }

            // Next row: advance the multi-index over the outer axes, last fastest.
            for (var k = last - 1; k >= 0; k--)
            {
                if (++_index[k] < _topShape[k])
                {
                    break;
                }

                _index[k] = 0;
            }
        }
    }
}
