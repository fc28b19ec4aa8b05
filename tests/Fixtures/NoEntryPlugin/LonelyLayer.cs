using Caffe;
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
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
