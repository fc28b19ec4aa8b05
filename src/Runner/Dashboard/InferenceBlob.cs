namespace LayerNet.Runner.Dashboard;

/// <summary>A blob of the net after the image's pass: its name and shape (the first item's values are kept to draw).</summary>
internal sealed record InferenceBlob(string Name, string Shape);
