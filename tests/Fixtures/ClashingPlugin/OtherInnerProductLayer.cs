using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Fixtures.ClashingPlugin;

/// <summary>An identity layer; the plugin registers it under a built-in type name.</summary>
public sealed class OtherInnerProductLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public OtherInnerProductLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        bottom[0].Data.CopyTo(top[0].Data);
}
