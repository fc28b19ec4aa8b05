using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Runner.Drawing;

/// <summary>
/// A layer as a drawing shows it: from a built net (with its learnable blobs and their shapes), or only from its
/// definition, when the net cannot be built because a data source is missing (no learnable blobs then).
/// </summary>
internal sealed class DrawnLayer
{
    private DrawnLayer(Layer layer, bool inserted, IReadOnlyList<Blob> blobs, float[] lossWeights, bool learns)
    {
        Parameter = layer.Parameter;
        Inserted = inserted;
        Family = LayerStyle.FamilyOf(layer, inserted);
        Blobs = blobs;
        LossWeights = lossWeights;
        Learns = learns;
    }

    /// <summary>The layer's definition.</summary>
    public LayerParameter Parameter { get; }

    /// <summary>The layer's name.</summary>
    public string Name => Parameter.Name;

    /// <summary>The layer's type.</summary>
    public string Type => Parameter.Type;

    /// <summary>True when the net inserted it (a Split for a blob that feeds several layers).</summary>
    public bool Inserted { get; }

    /// <summary>The family whose colors it is drawn in.</summary>
    public LayerFamily Family { get; }

    /// <summary>The learnable blobs, with their shapes; none when the net was not built.</summary>
    public IReadOnlyList<Blob> Blobs { get; }

    /// <summary>The loss weight of each top.</summary>
    public IReadOnlyList<float> LossWeights { get; }

    /// <summary>True when the layer has learnable blobs (built), or declares some (<c>param</c>, not built).</summary>
    public bool Learns { get; }

    /// <summary>A layer of a built net.</summary>
    public static DrawnLayer Built(Layer layer, bool inserted)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return new DrawnLayer(layer, inserted, layer.Blobs, layer.LossWeights.ToArray(), layer.Blobs.Count > 0);
    }

    /// <summary>
    /// A layer created from its definition but not set up (a data layer opens nothing): its loss weights are the
    /// definition's, or 1 on the first top of a loss layer, as the net would set them.
    /// </summary>
    public static DrawnLayer Defined(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter;
        var weights = new float[p.Top.Count];
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = k < p.LossWeight.Count ? p.LossWeight[k] : 0f;
        }

        if (p.LossWeight.Count == 0 && layer is LossLayer && weights.Length > 0)
        {
            weights[0] = 1f;
        }

        return new DrawnLayer(layer, inserted: false, [], weights, p.Param.Count > 0);
    }
}
