using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// Reorders the axes of the bottom (the SSD fork's Permute): <c>permute_param { order: 0 order: 2 order: 3 order: 1 }</c>
/// turns N x C x H x W into N x H x W x C. Axes the order leaves out follow in their own order (the fork's completion),
/// so <c>order: 1</c> on four axes is 1, 0, 2, 3; an axis named twice or past the last axis is an error.
/// </summary>
/// <remarks>
/// <para>Forward: y[i0, ..., ik] = x[j] where axis order[a] of x has index ia; backward: dx is dy moved back the same way.</para>
/// <para>
/// When the order is the identity the top shares the bottom's data and diff (the fork shares them too), so nothing
/// is copied either way; otherwise the top has storage of its own and the layer cannot work in place.
/// </para>
/// </remarks>
public sealed class PermuteLayer : Layer
{
    private int[] _order = [];
    private int[] _oldSteps = [];
    private int[] _newSteps = [];
    private int[] _topShape = [];
    private bool _needPermute;

    /// <summary>Creates the layer from its definition (<c>permute_param</c>).</summary>
    public PermuteLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
    }

    /// <summary>The complete order of the axes, after set-up.</summary>
    public IReadOnlyList<int> Order => _order;

    /// <inheritdoc/>
    public override int TopStorage(int top) => _needPermute ? OwnTopStorage : 0;

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = ExtensionParameter(SsdExtensions.PermuteParam);
        var axes = bottom[0].AxisCount;
        var order = new List<int>(axes);
        foreach (var value in p.Order)
        {
            if (value >= axes)
            {
                throw Error($"permute_param.order {value} is out of range for bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString}; expected 0 <= order < {axes}");
            }

            if (order.Contains((int)value))
            {
                throw Error($"permute_param.order names axis {value} twice");
            }

            order.Add((int)value);
        }

        for (var i = 0; i < axes; i++)
        {
            if (!order.Contains(i))
            {
                order.Add(i);
            }
        }

        _order = [.. order];
        _needPermute = false;
        for (var i = 0; i < axes; i++)
        {
            _needPermute |= _order[i] != i;
        }

        _oldSteps = new int[axes];
        _newSteps = new int[axes];
        _topShape = new int[axes];
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].AxisCount != _order.Length)
        {
            throw Error($"bottom '{bottom[0].Name}' has shape {bottom[0].ShapeString}; the layer was set up for {_order.Length} axes");
        }

        RequireOutOfPlace(bottom[0], top[0]);
        var axes = _order.Length;
        for (var i = 0; i < axes; i++)
        {
            _oldSteps[i] = i == axes - 1 ? 1 : bottom[0].CountFrom(i + 1);
            _topShape[i] = bottom[0].Shape[_order[i]];
        }

        top[0].Reshape(_topShape);
        for (var i = 0; i < axes; i++)
        {
            _newSteps[i] = i == axes - 1 ? 1 : top[0].CountFrom(i + 1);
        }

        if (!_needPermute)
        {
            Share(bottom[0], top[0]);
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!_needPermute)
        {
            // Shared again: the bottom's storage may have been replaced since Reshape.
            Share(bottom[0], top[0]);
            return;
        }

        ReadOnlySpan<float> x = bottom[0].Data;
        var y = top[0].Data;
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = x[SourceIndex(i)];
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!_needPermute || !propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        for (var i = 0; i < dy.Length; i++)
        {
            dx[SourceIndex(i)] = dy[i];
        }
    }

    /// <summary>The bottom index of top element <paramref name="topIndex"/>.</summary>
    private int SourceIndex(int topIndex)
    {
        var source = 0;
        var rest = topIndex;
        for (var a = 0; a < _order.Length; a++)
        {
            source += rest / _newSteps[a] * _oldSteps[_order[a]];
            rest %= _newSteps[a];
        }

        return source;
    }

    private static void Share(Blob bottom, Blob top)
    {
        top.ShareData(bottom);
        top.ShareDiff(bottom);
    }
}
