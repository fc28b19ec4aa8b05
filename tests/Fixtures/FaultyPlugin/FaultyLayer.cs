using Caffe;
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
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) =>
        throw new InvalidOperationException("the faulty layer always fails");

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
