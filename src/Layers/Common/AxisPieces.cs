using LayerNet.Blobs;

namespace LayerNet.Layers.Common;

/// <summary>
/// The copies of Concat and Slice: a whole blob read as outer x A x inner around one axis, and its pieces, piece i
/// being outer x A_i x inner and taking the A_i positions after those of the pieces before it.
/// </summary>
internal static class AxisPieces
{
    /// <summary>
    /// Reads the axis of <c>concat_param</c> or <c>slice_param</c>: <c>axis</c>, or the legacy unsigned
    /// <c>concat_dim</c> / <c>slice_dim</c>, not both.
    /// </summary>
    /// <returns>The value given, and whether it is the legacy field (which does not count from the end).</returns>
    public static (int Axis, bool Legacy) AxisParameter(Layer layer, string message, bool hasAxis, int axis, string legacyName, bool hasLegacy, uint legacy)
    {
        if (hasAxis && hasLegacy)
        {
            throw layer.Error($"give {message}.axis or the legacy {message}.{legacyName}, not both");
        }

        if (hasLegacy && legacy > int.MaxValue)
        {
            throw layer.Error($"{message}.{legacyName} {legacy} is out of range");
        }

        return hasLegacy ? ((int)legacy, true) : (axis, false);
    }

    /// <summary>Makes <paramref name="piece"/> the whole: the case of a single piece, which is not copied.</summary>
    public static void Share(Blob whole, Blob piece)
    {
        piece.ShareData(whole);
        piece.ShareDiff(whole);
    }

    /// <summary>Copies every piece's data (or gradient) into its place in <paramref name="whole"/>'s.</summary>
    public static void Join(IReadOnlyList<Blob> pieces, Blob whole, int axis, int outer, int inner, bool gradients)
    {
        var target = gradients ? whole.Diff : whole.Data;
        var wholeRow = whole.Shape[axis] * inner;
        var offset = 0;
        for (var i = 0; i < pieces.Count; i++)
        {
            ReadOnlySpan<float> piece = gradients ? pieces[i].Diff : pieces[i].Data;
            var row = pieces[i].Shape[axis] * inner;
            for (var o = 0; o < outer; o++)
            {
                piece.Slice(o * row, row).CopyTo(target.Slice((o * wholeRow) + offset, row));
            }

            offset += row;
        }
    }

    /// <summary>
    /// Copies each piece's place in <paramref name="whole"/>'s data (or gradient) into the piece's data (or gradient), skipping the pieces
    /// whose <paramref name="wanted"/> entry is false (every piece when <paramref name="wanted"/> is null).
    /// </summary>
    public static void Split(Blob whole, IReadOnlyList<Blob> pieces, int axis, int outer, int inner, bool gradients, IReadOnlyList<bool>? wanted)
    {
        ReadOnlySpan<float> source = gradients ? whole.Diff : whole.Data;
        var wholeRow = whole.Shape[axis] * inner;
        var offset = 0;
        for (var i = 0; i < pieces.Count; i++)
        {
            var row = pieces[i].Shape[axis] * inner;
            if (wanted is null || wanted[i])
            {
                var piece = gradients ? pieces[i].Diff : pieces[i].Data;
                for (var o = 0; o < outer; o++)
                {
                    source.Slice((o * wholeRow) + offset, row).CopyTo(piece.Slice(o * row, row));
                }
            }

            offset += row;
        }
    }
}
