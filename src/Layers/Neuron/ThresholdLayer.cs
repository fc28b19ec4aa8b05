using Caffe;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// A step function (<c>threshold_param.threshold</c>, default 0), element by element. Works in place. It has no
/// gradient, as in Caffe.
/// </summary>
/// <remarks>
/// <para>Forward: y = 1 for x &gt; threshold, 0 otherwise.</para>
/// <para>
/// Backward: none. The net never forces a gradient through it; when something below it needs one (Caffe stops with
/// "Not Implemented Yet"), backward is an error naming the layer.
/// </para>
/// </remarks>
/// <param name="parameter">The layer's definition (<c>threshold_param</c>).</param>
public sealed class ThresholdLayer(LayerParameter parameter) : NeuronLayer(parameter)
{
    private readonly float _threshold = parameter.ThresholdParam?.Threshold ?? 0f;

    /// <inheritdoc/>
    public override bool HasBackward => false;

    /// <inheritdoc/>
    protected override bool BackwardReadsInput => false;

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = x[i] > _threshold ? 1f : 0f;
        }
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        throw Error("Threshold has no gradient (as in Caffe); give the layer 'propagate_down: false', or keep it off the path from the loss to the blobs that learn");
}
