using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Fixtures.BrokenLayersPlugin;

/// <summary>A neuron layer whose constructor asks for a service that no one registers.</summary>
public sealed class NeedsServiceLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public NeedsServiceLayer(LayerParameter parameter, IClock clock)
        : base(parameter)
    {
        ArgumentNullException.ThrowIfNull(clock);
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => bottom[0].Data.CopyTo(top[0].Data);
}
