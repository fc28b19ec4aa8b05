using Caffe;
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
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
