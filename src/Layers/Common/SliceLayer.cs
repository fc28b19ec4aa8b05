using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Cuts its bottom into consecutive pieces along one axis, one per top (Caffe's Slice): at the
/// <c>slice_point</c>s, or into equal pieces when none are given. The axis is <c>axis</c> (default 1, negative
/// counting from the end) or the legacy <c>slice_dim</c>.
/// </summary>
/// <remarks>
/// <para>
/// The bottom is read as O x A x I around the slicing axis; top i gets A_i = p_i - p_{i-1} of the A positions
/// (p_0 = 0, p_last = A, the slice points in between), or A / (number of tops) each without slice points.
/// </para>
/// <para>Forward: y_i[o, a, :] = x[o, p_{i-1} + a, :].</para>
/// <para>Backward: dx[o, p_{i-1} + a, :] = dy_i[o, a, :]. A single top is shared with the bottom, not copied.</para>
/// </remarks>
public sealed class SliceLayer : Layer
{
    private readonly bool _legacyDim;
    private readonly int _axisParameter;
    private readonly int[] _slicePoints;
    private int _axis;
    private int _outer;
    private int _inner;

    /// <summary>Creates the layer from its definition (<c>slice_param</c>).</summary>
    public SliceLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.AtLeast(1))
    {
        var p = parameter.SliceParam ?? new SliceParameter();
        (_axisParameter, _legacyDim) = AxisPieces.AxisParameter(this, "slice_param", p.HasAxis, p.Axis, "slice_dim", p.HasSliceDim, p.SliceDim);
        _slicePoints = new int[p.SlicePoint.Count];
        var previous = 0L;
        for (var i = 0; i < _slicePoints.Length; i++)
        {
            var point = p.SlicePoint[i];
            if (point <= previous || point > int.MaxValue)
            {
                throw Error($"slice_param.slice_point must increase strictly from above 0: slice_point {i} is {point}{(i > 0 ? $", after {previous}" : string.Empty)}");
            }

            _slicePoints[i] = (int)point;
            previous = point;
        }
    }

    /// <summary>The slicing axis (canonical), after reshape.</summary>
    internal int Axis => _axis;

    /// <inheritdoc/>
    public override int TopStorage(int top) => Parameter.Top.Count == 1 ? 0 : OwnTopStorage;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];

        // slice_dim is unsigned: it does not count from the end.
        _axis = CanonicalAxis(_axisParameter, input, _legacyDim ? "slice_param.slice_dim" : "slice_param.axis", bottomIndex: -1, countsFromEnd: !_legacyDim);
        var size = input.Shape[_axis];
        if (_slicePoints.Length > 0)
        {
            if (_slicePoints.Length != top.Count - 1)
            {
                throw Error($"slice_param.slice_point must be given once between each two tops: {_slicePoints.Length} given for {top.Count} tops");
            }

            if (_slicePoints[^1] >= size)
            {
                throw Error($"slice_param.slice_point {_slicePoints[^1]} is not inside axis {_axis} of bottom '{input.Name}' ({input.ShapeString}), whose size is {size}");
            }
        }
        else if (size % top.Count != 0)
        {
            throw Error($"axis {_axis} of bottom '{input.Name}' ({input.ShapeString}) has size {size}, which {top.Count} tops cannot share equally; give slice_param.slice_point");
        }

        int[] shape = [.. input.Shape];

        for (var i = 0; i < top.Count; i++)
        {
            shape[_axis] = _slicePoints.Length == 0 ? size / top.Count : SliceEnd(i, size) - SliceStart(i);
            top[i].Reshape(shape);
        }

        _outer = input.CountRange(0, _axis);
        _inner = input.CountFrom(_axis + 1);
        if (top.Count == 1)
        {
            AxisPieces.Share(input, top[0]);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (top.Count == 1)
        {
            AxisPieces.Share(bottom[0], top[0]);
            return;
        }

        AxisPieces.Split(bottom[0], top, _axis, _outer, _inner, gradients: false, wanted: null);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0] || top.Count == 1)
        {
            return;
        }

        AxisPieces.Join(top, bottom[0], _axis, _outer, _inner, gradients: true);
    }

    private int SliceStart(int top) => top == 0 ? 0 : _slicePoints[top - 1];

    private int SliceEnd(int top, int size) => top == _slicePoints.Length ? size : _slicePoints[top];
}
