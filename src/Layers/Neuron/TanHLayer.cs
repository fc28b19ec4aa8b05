using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The hyperbolic tangent, element by element. Works in place.</summary>
/// <remarks>
/// <para>Forward: y = tanh(x).</para>
/// <para>Backward: dx = dy * (1 - y^2), from the top's data alone, so it holds in place too.</para>
/// </remarks>
public sealed class TanHLayer : NeuronLayer
{
    /// <summary>Creates the layer from its definition.</summary>
    public TanHLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        TensorPrimitives.Tanh(bottom[0].Data, top[0].Data);

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = dy[i] * (1f - (y[i] * y[i]));
        }
    }
}
