using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Gives its bottom a new shape with the same count (Caffe's Reshape), without copying: the top shares the
/// bottom's data and diff storage, so the layer cannot work in place.
/// </summary>
/// <remarks>
/// <para>
/// <c>reshape_param.shape</c> replaces the bottom axes [axis, axis + num_axes) (<c>num_axes</c> -1: to the end;
/// a negative <c>axis</c> counts from the end, -1 meaning after the last axis), keeping the axes before and after.
/// In the new shape a 0 copies the bottom's dimension at the same position, and one -1 is inferred so the counts
/// match.
/// </para>
/// <para>Forward: y = x; backward: dx = dy.</para>
/// </remarks>
public sealed class ReshapeLayer : ViewLayer
{
    private readonly int _axis;
    private readonly int _numAxes;
    private readonly int[] _newShape;
    private readonly int _inferredAxis = -1;
    private readonly long _constantCount = 1;

    /// <summary>Creates the layer from its definition (<c>reshape_param</c>).</summary>
    public ReshapeLayer(LayerParameter parameter)
        : base(parameter)
    {
        var p = parameter.ReshapeParam ?? new ReshapeParameter();
        _axis = p.Axis;
        _numAxes = p.NumAxes;
        if (_numAxes < -1)
        {
            throw Error($"reshape_param.num_axes {_numAxes} is invalid; expected a count of axes, or -1 for all axes from reshape_param.axis on");
        }

        var dims = p.Shape?.Dim;
        _newShape = new int[dims?.Count ?? 0];
        for (var i = 0; i < _newShape.Length; i++)
        {
            var dim = dims![i];
            if (dim < -1 || dim > int.MaxValue)
            {
                throw Error($"reshape_param.shape dim {i} is {dim}; expected a size, 0 to copy the bottom's, or -1 to infer it");
            }

            _newShape[i] = (int)dim;
            if (dim == -1)
            {
                if (_inferredAxis >= 0)
                {
                    throw Error($"reshape_param.shape has -1 at dims {_inferredAxis} and {i}; at most one dimension can be inferred");
                }

                _inferredAxis = i;
            }
            else if (dim > 0)
            {
                _constantCount *= dim;
            }
        }
    }

    /// <inheritdoc/>
    protected override int[] TopShape(Blob input)
    {
        var axes = input.AxisCount;

        // Here -1 is the position after the last axis, so the new axes can be appended.
        var start = _axis >= 0 ? _axis : axes + _axis + 1;
        if (start < 0 || start > axes)
        {
            throw Error($"reshape_param.axis {_axis} is out of range for bottom '{input.Name}' of shape {input.ShapeString}; expected {-axes - 1} <= axis <= {axes}");
        }

        var end = _numAxes == -1 ? axes : start + _numAxes;
        if (end > axes)
        {
            throw Error($"reshape_param.axis {_axis} + num_axes {_numAxes} reaches past the {axes} axes of bottom '{input.Name}' ({input.ShapeString})");
        }

        var shape = new int[axes - (end - start) + _newShape.Length];
        for (var i = 0; i < start; i++)
        {
            shape[i] = input.Shape[i];
        }

        var explicitCount = _constantCount * input.CountRange(0, start) * input.CountFrom(end);
        for (var i = 0; i < _newShape.Length; i++)
        {
            var dim = _newShape[i];
            if (dim == 0)
            {
                if (start + i >= axes)
                {
                    throw Error($"reshape_param.shape dim {i} is 0 (copy), but bottom '{input.Name}' of shape {input.ShapeString} has no axis {start + i} to copy");
                }

                dim = input.Shape[start + i];
                explicitCount *= dim;
            }

            shape[start + i] = dim;
        }

        for (var i = end; i < axes; i++)
        {
            shape[i - end + start + _newShape.Length] = input.Shape[i];
        }

        if (_inferredAxis >= 0)
        {
            if (explicitCount == 0 || input.Count % explicitCount != 0)
            {
                throw Error($"cannot infer the -1 dimension: the count of bottom '{input.Name}' ({input.Count}, shape {input.ShapeString}) is not a multiple of the other dimensions' product ({explicitCount})");
            }

            shape[start + _inferredAxis] = (int)(input.Count / explicitCount);
        }

        var count = 1L;
        foreach (var dim in shape)
        {
            count *= dim;
        }

        if (count != input.Count)
        {
            throw Error($"the new shape {Blob.FormatShape(shape)} has {count} elements but bottom '{input.Name}' of shape {input.ShapeString} has {input.Count}; the counts must match");
        }

        return shape;
    }
}
