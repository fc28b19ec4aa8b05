using Caffe;
using LayerNet.Errors;

namespace LayerNet.Nets;

/// <summary>A layer's definition as the net builds it: the parameter, and where it came from.</summary>
/// <param name="Parameter">The layer's parameter (a clone when the net changed it).</param>
/// <param name="Origin">The place of its block in the model file and the folder its paths resolve against.</param>
internal readonly record struct LayerDefinition(LayerParameter Parameter, Origin Origin)
{
    /// <summary>An error about this definition, before any layer exists: names the layer and its type, at its place.</summary>
    public LayerNetException Error(string message) =>
        Origin.Error($"layer '{Parameter.Name}' ({Parameter.Type}): {message}");
}
