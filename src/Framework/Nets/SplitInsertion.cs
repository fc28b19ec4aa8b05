using Caffe;
using LayerNet.Errors;

namespace LayerNet.Nets;

/// <summary>
/// Caffe's split insertion: where one top feeds several bottoms (or feeds a bottom and also carries a loss
/// weight), a Split layer is inserted after the producer so that each consumer gets its own blob and the
/// gradients flowing back are summed. Names follow Caffe's: layer <c>{blob}_{layer}_{top index}_split</c>,
/// tops <c>{blob}_{layer}_{top index}_split_{k}</c>.
/// </summary>
internal static class SplitInsertion
{
    /// <summary>Returns the layers with Split layers inserted and consumer bottoms renamed.</summary>
    /// <exception cref="LayerNetException">A bottom names a blob no earlier layer produces.</exception>
    public static List<LayerDefinition> Insert(IReadOnlyList<LayerDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var layers = new LayerParameter[definitions.Count];
        for (var i = 0; i < layers.Length; i++)
        {
            layers[i] = definitions[i].Parameter;
        }

        var lastProducer = new Dictionary<string, (int Layer, int Top)>(StringComparer.Ordinal);
        var consumers = new Dictionary<(int Layer, int Top), int>();
        var lossWeights = new Dictionary<(int Layer, int Top), float>();
        var sourceOfBottom = new Dictionary<(int Layer, int Bottom), (int Layer, int Top)>();
        for (var i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            for (var j = 0; j < layer.Bottom.Count; j++)
            {
                if (!lastProducer.TryGetValue(layer.Bottom[j], out var source))
                {
                    var message = $"unknown bottom blob '{layer.Bottom[j]}' (bottom {j}); no earlier layer produces it";
                    var known = NearestName.Find(layer.Bottom[j], lastProducer.Keys);
                    if (known is not null)
                    {
                        message += $"; did you mean '{known}'?";
                    }

                    throw definitions[i].Error(message);
                }

                sourceOfBottom[(i, j)] = source;
                consumers[source] = consumers.GetValueOrDefault(source) + 1;
            }

            for (var j = 0; j < layer.Top.Count; j++)
            {
                lastProducer[layer.Top[j]] = (i, j);
                if (layer.LossWeight.Count > j && layer.LossWeight[j] != 0f)
                {
                    lossWeights[(i, j)] = layer.LossWeight[j];
                }
            }
        }

        int SplitCount((int Layer, int Top) top) => consumers.GetValueOrDefault(top) + (lossWeights.ContainsKey(top) ? 1 : 0);

        var result = new List<LayerDefinition>(layers.Length);
        var nextSplitIndex = new Dictionary<(int Layer, int Top), int>();
        for (var i = 0; i < layers.Length; i++)
        {
            var origin = definitions[i].Origin;
            var original = layers[i];
            var layer = original;
            for (var j = 0; j < original.Bottom.Count; j++)
            {
                var source = sourceOfBottom[(i, j)];
                if (SplitCount(source) > 1)
                {
                    if (ReferenceEquals(layer, original))
                    {
                        layer = original.Clone();
                    }

                    var index = nextSplitIndex.GetValueOrDefault(source);
                    nextSplitIndex[source] = index + 1;
                    var producer = layers[source.Layer];
                    layer.Bottom[j] = SplitBlobName(producer.Name, producer.Top[source.Top], source.Top, index);
                }
            }

            result.Add(new LayerDefinition(layer, origin));
            for (var j = 0; j < original.Top.Count; j++)
            {
                var count = SplitCount((i, j));
                if (count <= 1)
                {
                    continue;
                }

                var blob = original.Top[j];
                var split = new LayerParameter { Name = SplitLayerName(original.Name, blob, j), Type = "Split" };
                split.Bottom.Add(blob);
                for (var k = 0; k < count; k++)
                {
                    split.Top.Add(SplitBlobName(original.Name, blob, j, k));
                }

                if (lossWeights.TryGetValue((i, j), out var weight))
                {
                    // The loss moves to the split's first top; the producer's own top then carries none.
                    if (ReferenceEquals(layer, original))
                    {
                        layer = original.Clone();
                        result[^1] = new LayerDefinition(layer, origin);
                    }

                    layer.LossWeight[j] = 0f;
                    split.LossWeight.Add(weight);
                    for (var k = 1; k < count; k++)
                    {
                        split.LossWeight.Add(0f);
                    }

                    // The first split top is the loss; consumers take the later ones.
                    nextSplitIndex[(i, j)] = 1;
                }

                // A split is placed at the layer whose top it splits.
                result.Add(new LayerDefinition(split, origin));
            }
        }

        return result;
    }

    /// <summary>Caffe's name for a split layer.</summary>
    public static string SplitLayerName(string layerName, string blobName, int topIndex) =>
        $"{blobName}_{layerName}_{topIndex}_split";

    /// <summary>Caffe's name for a split layer's top.</summary>
    public static string SplitBlobName(string layerName, string blobName, int topIndex, int splitIndex) =>
        $"{blobName}_{layerName}_{topIndex}_split_{splitIndex}";
}
