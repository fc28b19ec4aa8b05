using Caffe;
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
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
