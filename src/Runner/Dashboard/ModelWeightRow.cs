namespace LayerNet.Runner.Dashboard;

/// <summary>
/// One learnable blob of a snapshot: its statistics as <c>layernet draw --values</c> summarises a blob (mean,
/// population standard deviation, minimum, maximum), and its L2 norm.
/// </summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Type">The layer's type.</param>
/// <param name="Blob">The blob's index in the layer (0: weights, 1: bias, for most layers).</param>
/// <param name="Shape">The blob's shape.</param>
/// <param name="Count">How many values.</param>
/// <param name="Mean">The mean.</param>
/// <param name="Std">The population standard deviation.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="L2">The square root of the sum of squares.</param>
/// <param name="Filters">True when the blob can be drawn as filters (a convolution's 4-axis weights).</param>
internal sealed record ModelWeightRow(
    string Layer, string Type, int Blob, string Shape, long Count, double Mean, double Std, double Min, double Max, double L2, bool Filters);
