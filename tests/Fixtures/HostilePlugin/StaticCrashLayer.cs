using Caffe;
using LayerNet.Layers;

namespace LayerNet.Fixtures.HostilePlugin;

/// <summary>A neuron layer whose static constructor throws.</summary>
public sealed class StaticCrashLayer : NeuronLayer
{
    private static readonly int[] Sizes;

    static StaticCrashLayer() => Sizes = Read();

    /// <summary>Creates the layer.</summary>
    public StaticCrashLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <summary>How many sizes the static constructor read.</summary>
    public static int SizeCount => Sizes.Length;

    private static int[] Read() => throw new InvalidDataException("sizes.bin\nis damaged");

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => y.Fill(SizeCount);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
