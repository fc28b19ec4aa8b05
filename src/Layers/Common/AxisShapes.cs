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
}
