namespace LayerNet.Runner.Dashboard;

/// <summary>
/// What the Model page shows of a net file: its layers with their top shapes and parameter counts, whether the
/// drawing can be made, and with a snapshot each learnable blob's statistics.
/// </summary>
/// <param name="Name">The net's name.</param>
/// <param name="Phase">TRAIN or TEST: the phase whose layers are shown.</param>
/// <param name="ShapesUnknown">Why no shapes are known (a data source missing), or null when the net was built.</param>
/// <param name="DrawingUnavailable">Why no drawing can be made (Graphviz missing), or null.</param>
/// <param name="Parameters">The learnable values in all, when known (built, or from the snapshot).</param>
/// <param name="Layers">The layers in the order they run.</param>
/// <param name="Weights">The snapshot's path relative to the root, or null.</param>
/// <param name="WeightRows">One row per learnable blob of the snapshot's layers that the net has.</param>
internal sealed record ModelNetReport(
    string Name, string Phase, string? ShapesUnknown, string? DrawingUnavailable, long? Parameters,
    IReadOnlyList<ModelLayerRow> Layers, string? Weights, IReadOnlyList<ModelWeightRow> WeightRows);
