using System.Runtime.CompilerServices;
using Caffe;
using LayerNet.Layers;

namespace LayerNet.Fixtures.HostilePlugin;

/// <summary>A neuron layer whose Forward recurses until the stack overflows.</summary>
public sealed class RecurseLayer : NeuronLayer
{
    /// <summary>Creates the layer.</summary>
    public RecurseLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        x.CopyTo(y);
        y[0] += Deepen(1);
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);

    // Not a tail call: the addition after the call keeps every frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Deepen(int depth) => Deepen(depth + 1) + 1;
}
