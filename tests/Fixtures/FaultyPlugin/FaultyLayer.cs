using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Fixtures.FaultyPlugin;

/// <summary>A neuron layer whose forward pass throws: the runner must report it with the layer's name, type and place.</summary>
public sealed class FaultyLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public FaultyLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        throw new InvalidOperationException("the faulty layer always fails");
}
