using Caffe;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// Clamps the input into [min, max] (<c>clip_param</c>, both required), element by element. Works in place.
/// </summary>
/// <remarks>
/// <para>Forward: y = max(min, min(x, max)); with min &gt; max that is min everywhere, as in Caffe.</para>
/// <para>Backward: dx = dy where min &lt;= x &lt;= max (both ends included, as Caffe), 0 elsewhere.</para>
/// <para>In place, forward keeps the input aside for backward.</para>
/// </remarks>
public sealed class ClipLayer : NeuronLayer
{
    private readonly float _min;
    private readonly float _max;

    /// <summary>Creates the layer from its definition; a definition without <c>clip_param</c> is an error.</summary>
    /// <param name="parameter">The layer's definition (<c>clip_param</c>).</param>
    public ClipLayer(LayerParameter parameter)
        : base(parameter)
    {
        if (parameter.ClipParam is not { } p)
        {
            throw Error("Clip needs clip_param { min: ... max: ... }");
        }

        _min = p.Min;
        _max = p.Max;
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = MathF.Max(_min, MathF.Min(x[i], _max));
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] >= _min && x[i] <= _max ? dy[i] : 0f;
        }
    }
}
