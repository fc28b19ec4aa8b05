using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Picks items of bottom 0 by the indices in bottom 1 (Caffe's BatchReindex): the top's item i is bottom 0's item
/// indices[i]; an item may be picked several times or not at all.
/// </summary>
/// <remarks>
/// <para>
/// Bottom 1 has one axis (K indices); the top is K x (bottom 0's other axes). Each index is read as Caffe reads it
/// (a float, truncated toward zero) and must lie in [0, items of bottom 0), checked at every forward pass.
/// </para>
/// <para>Forward: y[i, :] = x[indices[i], :].</para>
/// <para>Backward: dx[n, :] = sum of dy[i, :] over the i with indices[i] = n (0 for an item never picked). The indices get no gradient.</para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class BatchReindexLayer(LayerParameter parameter) : Layer(parameter, BlobArity.Exactly(2), BlobArity.Exactly(1))
{
    private int _inner;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex == 0;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var data = bottom[0];
        var indices = bottom[1];
        if (indices.AxisCount != 1)
        {
            throw Error($"bottom 1 '{indices.Name}' (the indices) has shape {indices.ShapeString}; BatchReindex needs 1 axis");
        }

        if (data.AxisCount == 0)
        {
            throw Error($"bottom 0 '{data.Name}' has shape {data.ShapeString}; BatchReindex needs a first axis (the items)");
        }

        RequireOutOfPlace(data, top[0]);
        var shape = data.Shape.ToArray();
        shape[0] = indices.Shape[0];
        top[0].Reshape(shape);
        _inner = data.CountFrom(1);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        var picks = Picks(bottom);
        for (var i = 0; i < picks.Length; i++)
        {
            x.Slice(picks[i] * _inner, _inner).CopyTo(y.Slice(i * _inner, _inner));
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[1])
        {
            throw Error($"cannot backpropagate to bottom 1 '{bottom[1].Name}' (the indices)");
        }

        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        dx.Clear();
        var picks = Picks(bottom);
        for (var i = 0; i < picks.Length; i++)
        {
            var target = dx.Slice(picks[i] * _inner, _inner);
            var source = dy.Slice(i * _inner, _inner);
            for (var j = 0; j < _inner; j++)
            {
                target[j] += source[j];
            }
        }
    }

    // Caffe's check_batch_reindex: 0 <= index < items, compared as floats, then truncated.
    private int[] Picks(IReadOnlyList<Blob> bottom)
    {
        var items = bottom[0].Shape[0];
        ReadOnlySpan<float> indices = bottom[1].Data;
        var picks = new int[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            var value = indices[i];
            if (!(value >= 0f) || !(value < items))
            {
                throw Error($"index {i} of bottom 1 '{bottom[1].Name}' is {value}; expected 0 <= index < {items} (the items of bottom 0 '{bottom[0].Name}')");
            }

            picks[i] = (int)value;
        }

        return picks;
    }
}
