using System.Numerics.Tensors;
using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>The absolute value, element by element. Not in place (as Caffe: backward needs the sign of x, which y has lost).</summary>
/// <remarks>
/// <para>Forward: y = |x|.</para>
/// <para>Backward: dx = dy * sign(x), with sign(0) = 0.</para>
/// </remarks>
public sealed class AbsValLayer : NeuronLayer
{
    /// <summary>Creates the layer from its definition.</summary>
    public AbsValLayer(LayerParameter parameter)
        : base(parameter)
    {
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (ReferenceEquals(bottom[0], top[0]))
        {
            throw Error($"cannot run in place (top '{top[0].Name}' is the bottom): the gradient needs the sign of the input, which the output has lost");
        }
    }

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        TensorPrimitives.Abs(bottom[0].Data, top[0].Data);

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }

        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        var dx = bottom[0].Diff;
        for (var i = 0; i < dx.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : x[i] < 0f ? -dy[i] : 0f;
        }
    }
}
