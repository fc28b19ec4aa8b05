namespace LayerNet.Runner.Dashboard;

/// <summary>One layer of the Model page's table.</summary>
/// <param name="Name">The layer's name.</param>
/// <param name="Type">Its type.</param>
/// <param name="Bottoms">The blobs it reads.</param>
/// <param name="Tops">The blobs it writes, with their shapes when the net was built.</param>
/// <param name="Parameters">Its learnable values, when known.</param>
/// <param name="ParameterShapes">Each learnable blob's shape, when known.</param>
/// <param name="Inserted">True for a layer the net inserted (Split).</param>
internal sealed record ModelLayerRow(
    string Name, string Type, IReadOnlyList<string> Bottoms, IReadOnlyList<ModelTopShape> Tops, long? Parameters,
    IReadOnlyList<string> ParameterShapes, bool Inserted);
