using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Fixtures.NoEntryPlugin;

/// <summary>A layer nobody registers: the assembly has no ILayerPlugin.</summary>
public sealed class LonelyLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public LonelyLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        bottom[0].Data.CopyTo(top[0].Data);
}
