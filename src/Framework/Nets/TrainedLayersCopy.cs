using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Solvers;

namespace LayerNet.Nets;

/// <summary>
/// What <see cref="Net.CopyTrainedLayersFrom"/> did with a weights file: how many of its layers gave learned blobs to
/// a layer of the net, and which of the net's layers with learned blobs it gave none. A run that does not train refuses such a
/// layer (<see cref="RequireEveryLayer"/>); fine-tuning, where renamed layers are normal, names each one
/// (<see cref="WarnMissing"/>); every run refuses weights that match no layer at all (<see cref="RequireMatch"/>).
/// </summary>
/// <param name="SourceName">The weights as messages name them, such as <c>'lenet.caffemodel'</c> (quoted).</param>
/// <param name="NetName">The net's name.</param>
/// <param name="SourceLayers">How many layers the weights hold.</param>
/// <param name="MatchedLayers">How many of those gave learned blobs to a layer of the net (matched by name).</param>
/// <param name="LayersWithoutWeights">The net's layers with learned blobs that got none, in the net's order.</param>
public sealed record TrainedLayersCopy(
    string SourceName,
    string NetName,
    int SourceLayers,
    int MatchedLayers,
    IReadOnlyList<Layer> LayersWithoutWeights)
{
    /// <summary>
    /// Fails when the weights match no layer of the net: an empty or truncated file, or another net's weights, which
    /// would leave every layer as its fillers made it without a word.
    /// </summary>
    /// <exception cref="LayerNetException">The weights hold no layer, or give learned blobs to none of the net's layers that have them.</exception>
    public void RequireMatch()
    {
        if (SourceLayers == 0)
        {
            throw new LayerNetException($"weights {SourceName} hold no layers: an empty or truncated file, or not a .caffemodel");
        }

        if (MatchedLayers == 0 && LayersWithoutWeights.Count > 0)
        {
            throw new LayerNetException(
                $"weights {SourceName} match no layer of net '{NetName}' (none of their {SourceLayers} layers gives learned blobs to a layer of that name): weights of another net?");
        }
    }

    /// <summary>Fails, naming the first, when a layer with learned blobs got none (a run that does not train would use its fillers' values).</summary>
    /// <exception cref="LayerNetException">A layer of the net got no weights.</exception>
    public void RequireEveryLayer()
    {
        if (LayersWithoutWeights.Count > 0)
        {
            var layer = LayersWithoutWeights[0];
            var others = LayersWithoutWeights.Count > 1 ? $" (and {LayersWithoutWeights.Count - 1} more layers)" : string.Empty;
            throw layer.Error($"weights {SourceName} give it nothing{others}: no layer of that name with learned blobs there; a truncated file, or weights of another net?");
        }
    }

    /// <summary>One warning on <paramref name="log"/> for each layer with learned blobs that got none (fine-tuning starts it from its fillers).</summary>
    public void WarnMissing(TrainingLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (var layer in LayersWithoutWeights)
        {
            log.Warning("net", $"layer '{layer.Name}' ({layer.Type}) gets no weights from {SourceName}: it starts from its fillers");
        }
    }

    /// <summary>This copy followed by <paramref name="later"/> (weights applied in order): a layer lacks weights when both left it without.</summary>
    public TrainedLayersCopy Then(TrainedLayersCopy later)
    {
        ArgumentNullException.ThrowIfNull(later);
        return new TrainedLayersCopy(
            $"{SourceName}, {later.SourceName}",
            NetName,
            SourceLayers + later.SourceLayers,
            MatchedLayers + later.MatchedLayers,
            [.. LayersWithoutWeights.Where(later.LayersWithoutWeights.Contains)]);
    }
}
