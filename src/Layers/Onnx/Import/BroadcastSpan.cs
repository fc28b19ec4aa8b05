namespace LayerNet.Layers.Onnx;

/// <summary>
/// The axes of a blob that a smaller operand covers when ONNX broadcasts it over the blob: Caffe's Scale and Bias take
/// such an operand as <c>axis</c> and <c>num_axes</c>, so it must cover consecutive axes whole and be 1 elsewhere.
/// </summary>
/// <param name="Axis">The first axis covered.</param>
/// <param name="AxisCount">The number of axes covered (0 for an operand of one value).</param>
internal readonly record struct BroadcastSpan(int Axis, int AxisCount)
{
    /// <summary>
    /// The span an operand of shape <paramref name="dims"/> covers over a blob of <paramref name="shape"/>, or null when
    /// broadcasting would widen the blob or the operand's dimensions other than 1 are not the blob's on consecutive axes.
    /// </summary>
    public static BroadcastSpan? Of(IReadOnlyList<long> dims, IReadOnlyList<int> shape)
    {
        if (dims.Count > shape.Count)
        {
            return null;
        }

        var offset = shape.Count - dims.Count;
        int first = -1, last = -1;
        for (var i = 0; i < dims.Count; i++)
        {
            if (dims[i] == 1)
            {
                continue;
            }

            if (dims[i] != shape[offset + i])
            {
                return null;
            }

            first = first < 0 ? offset + i : first;
            last = offset + i;
        }

        if (first < 0)
        {
            return new BroadcastSpan(shape.Count, 0);
        }

        for (var axis = first; axis <= last; axis++)
        {
            if (dims[axis - offset] != shape[axis])
            {
                return null;
            }
        }

        return new BroadcastSpan(first, last - first + 1);
    }

    /// <summary>The covered part of <paramref name="shape"/>: the shape Caffe's operand blob has.</summary>
    public int[] Covered(IReadOnlyList<int> shape)
    {
        var covered = new int[AxisCount];
        for (var i = 0; i < AxisCount; i++)
        {
            covered[i] = shape[Axis + i];
        }

        return covered;
    }

    /// <summary>The shape of the broadcast of two shapes (numpy's rule), or null when they do not broadcast.</summary>
    public static int[]? Broadcast(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var rank = Math.Max(a.Count, b.Count);
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var x = i - (rank - a.Count) is var ia && ia >= 0 ? a[ia] : 1;
            var y = i - (rank - b.Count) is var ib && ib >= 0 ? b[ib] : 1;
            if (x != y && x != 1 && y != 1)
            {
                return null;
            }

            shape[i] = x == 1 ? y : x;
        }

        return shape;
    }
}
