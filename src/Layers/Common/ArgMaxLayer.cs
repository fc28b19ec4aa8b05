using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>The indices (and optionally the values) of the k largest entries (Caffe's ArgMax).</summary>
/// <remarks>
/// <para>
/// With <c>argmax_param.axis</c> given, the k = <c>top_k</c> largest entries are taken along that axis, for every
/// position of the other axes; the top has the bottom's shape with that axis set to k and holds their indices, or
/// their values with <c>out_max_val</c>.
/// </para>
/// <para>
/// Without an axis, each item (first axis) is flattened and its k largest entries are taken; the top is
/// N x 1 x k (padded with 1s to the bottom's axis count, at least 3) holding the indices, or N x 2 x k holding the
/// indices then the values with <c>out_max_val</c>.
/// </para>
/// <para>
/// Entries are ranked by value, largest first, a tie going to the larger index (Caffe's order of (value, index)
/// pairs). No backward: the indices are not differentiable, and the bottom may not be forced to backward.
/// </para>
/// </remarks>
public sealed class ArgMaxLayer : Layer
{
    private readonly int _topK;
    private readonly bool _outMaxValue;
    private readonly bool _hasAxis;
    private readonly int _axis;
    private int _dimension;
    private int _stride;

    /// <summary>Creates the layer from its definition (<c>argmax_param</c>).</summary>
    public ArgMaxLayer(LayerParameter parameter)
        : base(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        var p = parameter.ArgmaxParam ?? new ArgMaxParameter();
        _topK = PositiveCount(p.TopK, "argmax_param.top_k");
        _outMaxValue = p.OutMaxVal;
        _hasAxis = p.HasAxis;
        _axis = p.Axis;
    }

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        var count = input.AxisCount;
        int[] shape;
        if (_hasAxis)
        {
            var axis = CanonicalAxis(_axis, input, "argmax_param.axis");
            _dimension = input.Shape[axis];
            _stride = input.CountFrom(axis + 1);
            if (_topK > _dimension)
            {
                throw Error($"argmax_param.top_k {_topK} exceeds the dimension {_dimension} of axis {axis} of bottom '{input.Name}' ({input.ShapeString})");
            }

            shape = [.. input.Shape];
            shape[axis] = _topK;
        }
        else
        {
            if (count == 0)
            {
                throw Error($"bottom '{input.Name}' is a scalar; without argmax_param.axis the layer needs a first (item) axis");
            }

            _dimension = input.CountFrom(1);
            _stride = 1;
            if (_topK > _dimension)
            {
                throw Error($"argmax_param.top_k {_topK} exceeds the {_dimension} entries per item of bottom '{input.Name}' ({input.ShapeString})");
            }

            shape = new int[Math.Max(count, 3)];
            Array.Fill(shape, 1);
            shape[0] = input.Shape[0];
            shape[1] = _outMaxValue ? 2 : 1;
            shape[2] = _topK;
        }

        top[0].Reshape(shape);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> input = bottom[0].Data;
        var output = top[0].Data;
        if (_dimension == 0)
        {
            return;
        }

        // Each search runs over the entries start + d * stride, d in [0, dimension), of one outer block.
        var searches = input.Length / _dimension;
        for (var i = 0; i < searches; i++)
        {
            var outer = i / _stride;
            var inner = i % _stride;
            var start = (outer * _dimension * _stride) + inner;
            var previousValue = float.PositiveInfinity;
            var previousIndex = int.MaxValue;
            for (var j = 0; j < _topK; j++)
            {
                // The largest (value, index) pair below the previous one: a selection that needs no buffer.
                var bestIndex = -1;
                var bestValue = 0f;
                for (var d = 0; d < _dimension; d++)
                {
                    var value = input[start + (d * _stride)];
                    var belowPrevious = j == 0 || value < previousValue || (value == previousValue && d < previousIndex);
                    if (belowPrevious && (bestIndex < 0 || value > bestValue || (value == bestValue && d > bestIndex)))
                    {
                        bestIndex = d;
                        bestValue = value;
                    }
                }

                if (bestIndex < 0)
                {
                    // Only reachable when NaN entries defeat the ordering: report the first entry rather than nothing.
                    bestIndex = 0;
                    bestValue = input[start];
                }

                previousValue = bestValue;
                previousIndex = bestIndex;
                if (_outMaxValue && !_hasAxis)
                {
                    output[(2 * i * _topK) + j] = bestIndex;
                    output[(2 * i * _topK) + _topK + j] = bestValue;
                }
                else
                {
                    output[(((outer * _topK) + j) * _stride) + inner] = _outMaxValue ? bestValue : bestIndex;
                }
            }
        }
    }
}
