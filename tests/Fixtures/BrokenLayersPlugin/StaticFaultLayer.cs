using Caffe;
using LayerNet.Layers;

namespace LayerNet.Fixtures.BrokenLayersPlugin;

/// <summary>A neuron layer whose static constructor throws (the first time the net creates it).</summary>
public sealed class StaticFaultLayer : NeuronLayer
{
    private static readonly float[] Table;

    // An explicit static constructor runs before the first instance is created (a field initialiser alone would
    // run only when the field is first read).
    static StaticFaultLayer() => Table = Load();

    /// <summary>Creates the layer.</summary>
    public StaticFaultLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <summary>The size of the table the static constructor failed to load.</summary>
    public static int TableSize => Table.Length;

    private static float[] Load() => throw new NotImplementedException("the lookup table is not written yet");

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => y.Fill(TableSize);

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
