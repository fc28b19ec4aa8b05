using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Joins its bottoms along one axis (Caffe's Concat): <c>axis</c> (default 1, negative counting from the end), or
/// the legacy <c>concat_dim</c>. The bottoms must agree on every other axis.
/// </summary>
/// <remarks>
/// <para>
/// Each bottom i is read as O x A_i x I (O = the axes before the concatenation axis, I = those after); the top is
/// O x (sum_i A_i) x I.
/// </para>
/// <para>Forward: y[o, offset_i + a, :] = x_i[o, a, :], offset_i = sum_{j &lt; i} A_j.</para>
/// <para>Backward: dx_i[o, a, :] = dy[o, offset_i + a, :]. A single bottom is shared with the top, not copied.</para>
/// </remarks>
public sealed class ConcatLayer : Layer
{
    private readonly bool _legacyDim;
    private readonly int _axisParameter;
    private int _axis;
    private int _outer;
    private int _inner;

    /// <summary>Creates the layer from its definition (<c>concat_param</c>).</summary>
    public ConcatLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.AtLeast(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.ConcatParam ?? new ConcatParameter();
        (_axisParameter, _legacyDim) = AxisPieces.AxisParameter(this, "concat_param", p.HasAxis, p.Axis, "concat_dim", p.HasConcatDim, p.ConcatDim);
    }

    /// <summary>The concatenation axis (canonical), after reshape.</summary>
    internal int Axis => _axis;

    /// <inheritdoc/>
    public override int TopStorage(int top) => Parameter.Bottom.Count == 1 ? 0 : OwnTopStorage;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var first = bottom[0];
        var axes = first.AxisCount;

        // concat_dim is unsigned: it does not count from the end.
        _axis = CanonicalAxis(_axisParameter, first, _legacyDim ? "concat_param.concat_dim" : "concat_param.axis", bottomIndex: 0, countsFromEnd: !_legacyDim);
        int[] shape = [.. first.Shape];

        for (var i = 1; i < bottom.Count; i++)
        {
            var blob = bottom[i];
            var fits = blob.AxisCount == axes;
            for (var j = 0; fits && j < axes; j++)
            {
                fits = j == _axis || blob.Shape[j] == shape[j];
            }

            if (!fits)
            {
                throw Error($"bottom {i} '{blob.Name}' has shape {blob.ShapeString}; it must match bottom 0 '{first.Name}' ({first.ShapeString}) on every axis but the concatenation axis {_axis}");
            }

            shape[_axis] += blob.Shape[_axis];
        }

        top[0].Reshape(shape);
        _outer = first.CountRange(0, _axis);
        _inner = first.CountFrom(_axis + 1);
        if (bottom.Count == 1)
        {
            AxisPieces.Share(bottom[0], top[0]);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom.Count == 1)
        {
            AxisPieces.Share(bottom[0], top[0]);
            return;
        }

        AxisPieces.Join(bottom, top[0], _axis, _outer, _inner, gradients: false);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (bottom.Count == 1)
        {
            return;
        }

        AxisPieces.Split(top[0], bottom, _axis, _outer, _inner, gradients: true, propagateDown);
    }
}
