using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// Merges the axes from <c>axis</c> to <c>end_axis</c> (both inclusive, negative counting from the end) into one
/// (Caffe's Flatten). The defaults, 1 and -1, turn N x C x H x W into N x (C H W).
/// </summary>
/// <remarks>
/// Forward: y = x; backward: dx = dy. Nothing is copied: the top shares the bottom's data and diff storage, so the
/// layer cannot work in place.
/// </remarks>
public sealed class FlattenLayer : ViewLayer
{
    private readonly int _axis;
    private readonly int _endAxis;

    /// <summary>Creates the layer from its definition (<c>flatten_param</c>).</summary>
    public FlattenLayer(LayerParameter parameter)
        : base(parameter)
    {
        var p = parameter.FlattenParam ?? new FlattenParameter();
        _axis = p.Axis;
        _endAxis = p.EndAxis;
    }

    /// <inheritdoc/>
    protected override int[] TopShape(Blob input)
    {
        var start = CanonicalAxis(_axis, input, "flatten_param.axis");
        var end = CanonicalAxis(_endAxis, input, "flatten_param.end_axis");
        if (end < start)
        {
            throw Error($"flatten_param.end_axis {_endAxis} (axis {end}) comes before flatten_param.axis {_axis} (axis {start}) in bottom '{input.Name}' of shape {input.ShapeString}");
        }

        var shape = new int[input.AxisCount - (end - start)];
        for (var i = 0; i < start; i++)
        {
            shape[i] = input.Shape[i];
        }

        shape[start] = input.CountRange(start, end + 1);
        for (var i = end + 1; i < input.AxisCount; i++)
        {
            shape[i - (end - start)] = input.Shape[i];
        }

        return shape;
    }
}
