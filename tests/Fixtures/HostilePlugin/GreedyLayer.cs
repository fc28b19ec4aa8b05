using Caffe;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Fixtures.HostilePlugin;

/// <summary>A neuron layer whose set-up throws OutOfMemoryException.</summary>
public sealed class GreedyLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public GreedyLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
#pragma warning disable CA2201 // the runtime's own exception type: the point of the fixture
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        throw new OutOfMemoryException("no room for the greedy table");
#pragma warning restore CA2201

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
