using Caffe;
using LayerNet.Layers;

namespace LayerNet.Fixtures.HostilePlugin;

/// <summary>A neuron layer whose Forward never returns.</summary>
public sealed class SpinLayer : NeuronLayer
{
    /// <summary>A path the layer writes when its Forward starts looping.</summary>
    public const string MarkerVariable = "LAYERNET_HOSTILE_SPIN_MARKER";

    private static volatile int s_turns;

    /// <summary>Creates the layer.</summary>
    public SpinLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        // Tells a test that the loop has begun: it signals only then.
        if (Environment.GetEnvironmentVariable(MarkerVariable) is { Length: > 0 } marker)
        {
            File.WriteAllText(marker, "spinning");
        }

        while (s_turns >= 0)
        {
            s_turns = (s_turns + 1) & 0xFFFF;
        }

        x.CopyTo(y);
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => dy.CopyTo(dx);
}
