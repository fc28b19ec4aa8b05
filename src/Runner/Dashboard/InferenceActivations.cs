namespace LayerNet.Runner.Dashboard;

/// <summary>
/// The blobs of the last few classifications, first item only, kept so that the page can ask for any blob's picture
/// after the answer came back; older ones are dropped.
/// </summary>
internal sealed class InferenceActivations
{
    /// <summary>How many classifications are kept.</summary>
    public const int Kept = 8;

    private readonly Lock _lock = new();
    private readonly LinkedList<(string Id, Dictionary<string, (int[] Shape, float[] Values)> Blobs)> _results = new();

    /// <summary>Keeps one classification's blobs (each its shape without the first axis, and its first item's values); returns its id.</summary>
    public string Keep(Dictionary<string, (int[] Shape, float[] Values)> blobs)
    {
        var id = Guid.NewGuid().ToString("N");
        lock (_lock)
        {
            _results.AddFirst((id, blobs));
            while (_results.Count > Kept)
            {
                _results.RemoveLast();
            }
        }

        return id;
    }

    /// <summary>A kept blob, or null when the classification was dropped or has no such blob.</summary>
    public (int[] Shape, float[] Values)? Find(string? id, string? blob)
    {
        lock (_lock)
        {
            foreach (var (kept, blobs) in _results)
            {
                if (kept == id)
                {
                    return blob is not null && blobs.TryGetValue(blob, out var found) ? found : null;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A blob's item as tiles for <see cref="ModelImageGrid"/>: C x H x W as C gray tiles (further axes joined to W),
    /// H x W as one tile, and K values as one tile about square (padded with NaN, drawn blank).
    /// </summary>
    public static (float[] Values, int Tiles, int Height, int Width) Tiles(int[] shape, float[] values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        if (shape.Length >= 3)
        {
            var width = 1;
            for (var axis = 2; axis < shape.Length; axis++)
            {
                width *= shape[axis];
            }

            return (values, shape[0], shape[1], width);
        }

        if (shape.Length == 2)
        {
            return (values, 1, shape[0], shape[1]);
        }

        var side = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(values.Length)));
        var rows = Math.Max(1, (values.Length + side - 1) / side);
        var padded = new float[rows * side];
        Array.Fill(padded, float.NaN);
        values.CopyTo(padded, 0);
        return (padded, 1, rows, side);
    }
}
