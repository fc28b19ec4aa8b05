using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Keeps the items whose selector is not zero (Caffe's Filter): bottoms 0 .. K-1 are filtered, the last bottom is the
/// selector (one value per item), and top t holds the kept items of bottom t, in order.
/// </summary>
/// <remarks>
/// <para>
/// K bottoms to filter need K tops. The selector's axes after the first must be 1, and every bottom has as many
/// items (first axis) as the selector.
/// </para>
/// <para>
/// The top's item count follows the data, as in Caffe: at set-up, before any selector is known, the tops have all
/// the items of bottom 0; every forward pass reshapes them to the number of non-zero selectors (possibly 0).
/// </para>
/// <para>Backward: the kept items' gradients go back to their places; the others get 0. The selector gets none.</para>
/// </remarks>
/// <param name="parameter">The layer's definition.</param>
public sealed class FilterLayer(LayerParameter parameter) : Layer(parameter, BlobArity.AtLeast(2), BlobArity.AtLeast(1))
{
    private readonly List<int> _kept = [];
    private bool _firstReshape;
    private int _selectorIndex = parameter.Bottom.Count - 1;

    /// <inheritdoc/>
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != _selectorIndex;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (top.Count != bottom.Count - 1)
        {
            throw Error($"expected {bottom.Count - 1} top blob{(bottom.Count == 2 ? string.Empty : "s")} (one per bottom before the selector), got {top.Count}");
        }

        _firstReshape = true;
        _selectorIndex = bottom.Count - 1;
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var selector = bottom[^1];
        if (selector.AxisCount == 0)
        {
            throw Error($"the selector, bottom {bottom.Count - 1} '{selector.Name}', has shape {selector.ShapeString}; it needs a first axis (the items)");
        }

        for (var i = 1; i < selector.AxisCount; i++)
        {
            if (selector.Shape[i] != 1)
            {
                throw Error($"the selector, bottom {bottom.Count - 1} '{selector.Name}', has shape {selector.ShapeString}; its axes after the first must be 1");
            }
        }

        for (var i = 0; i < bottom.Count - 1; i++)
        {
            if (bottom[i].AxisCount == 0 || bottom[i].Shape[0] != selector.Shape[0])
            {
                throw Error($"bottom {i} '{bottom[i].Name}' has shape {bottom[i].ShapeString}; it must have as many items (first axis) as the selector '{selector.Name}' ({selector.Shape[0]})");
            }

            RequireOutOfPlace(bottom[i], top[i], i);
        }

        _kept.Clear();
        ReadOnlySpan<float> flags = selector.Data;
        for (var n = 0; n < flags.Length; n++)
        {
            if (flags[n] != 0f)
            {
                _kept.Add(n);
            }
        }

        var items = _kept.Count;
        if (_firstReshape)
        {
            items = bottom[0].Shape[0];
            _firstReshape = false;
        }

        for (var t = 0; t < top.Count; t++)
        {
            var shape = bottom[t].Shape.ToArray();
            shape[0] = items;
            top[t].Reshape(shape);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // As Caffe's Layer::Forward: reshape first, which reads the selector.
        ReshapeCore(bottom, top);
        for (var t = 0; t < top.Count; t++)
        {
            var inner = bottom[t].CountFrom(1);
            ReadOnlySpan<float> x = bottom[t].Data;
            var y = top[t].Data;
            for (var k = 0; k < _kept.Count; k++)
            {
                x.Slice(_kept[k] * inner, inner).CopyTo(y.Slice(k * inner, inner));
            }
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[bottom.Count - 1])
        {
            throw Error($"cannot backpropagate to the selector, bottom {bottom.Count - 1} '{bottom[^1].Name}'");
        }

        for (var t = 0; t < top.Count; t++)
        {
            if (!propagateDown[t])
            {
                continue;
            }

            var inner = bottom[t].CountFrom(1);
            ReadOnlySpan<float> dy = top[t].Diff;
            var dx = bottom[t].Diff;
            dx.Clear();
            for (var k = 0; k < _kept.Count; k++)
            {
                dy.Slice(k * inner, inner).CopyTo(dx.Slice(_kept[k] * inner, inner));
            }
        }
    }
}
