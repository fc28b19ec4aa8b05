using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>Shape questions that Bias, Scale and Eltwise ask alike.</summary>
internal static class AxisShapes
{
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> have the same axes.</summary>
    public static bool SameShape(Blob a, Blob b)
    {
        if (a.AxisCount != b.AxisCount)
        {
            return false;
        }

        for (var i = 0; i < a.AxisCount; i++)
        {
            if (a.Shape[i] != b.Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The shape of a parameter (Bias's bias, Scale's scale) that covers <paramref name="numAxes"/> axes of
    /// <paramref name="input"/> from <paramref name="axis"/> (already canonical); -1 covers the rest.
    /// </summary>
    /// <param name="layer">The layer, for the error.</param>
    /// <param name="input">The bottom the parameter applies to.</param>
    /// <param name="axis">The first covered axis.</param>
    /// <param name="numAxes">How many axes are covered; -1 for all from <paramref name="axis"/>.</param>
    /// <param name="what">The parameter, named in the error ("bias", "scale").</param>
    /// <returns>The covered axes' dimensions.</returns>
    public static int[] Covered(Layer layer, Blob input, int axis, int numAxes, string what)
    {
        var end = numAxes == -1 ? input.AxisCount : axis + numAxes;
        if (end > input.AxisCount)
        {
            throw layer.Error($"the {what} would cover axes {axis} to {end - 1} of bottom '{input.Name}', which has shape {input.ShapeString}; axis + num_axes must be at most {input.AxisCount}");
        }

        var shape = new int[end - axis];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = input.Shape[axis + i];
        }

        return shape;
    }

    /// <summary>
    /// Checks that <paramref name="parameter"/>'s axes match <paramref name="input"/>'s from <paramref name="axis"/> on.
    /// </summary>
    /// <param name="layer">The layer, for the error.</param>
    /// <param name="input">Bottom 0.</param>
    /// <param name="parameter">The bias or scale: bottom 1, or the learnable blob.</param>
    /// <param name="axis">The first covered axis of <paramref name="input"/>.</param>
    /// <param name="isBottom">Whether <paramref name="parameter"/> is bottom 1 (named so in the error).</param>
    /// <param name="what">The parameter ("bias", "scale"), named in the error when it is the learnable blob.</param>
    public static void RequireCovered(Layer layer, Blob input, Blob parameter, int axis, bool isBottom, string what)
    {
        var fits = input.AxisCount >= axis + parameter.AxisCount;
        for (var i = 0; fits && i < parameter.AxisCount; i++)
        {
            fits = input.Shape[axis + i] == parameter.Shape[i];
        }

        if (!fits)
        {
            var which = isBottom ? $"bottom 1 '{parameter.Name}'" : $"the {what} blob";
            throw layer.Error($"{which} has shape {parameter.ShapeString}, which does not match bottom 0 '{input.Name}' of shape {input.ShapeString} from axis {axis} on");
        }
    }
}
