using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Neuron;

/// <summary>
/// The parametric ReLU: a leaky ReLU whose negative slope is learned, one per channel (axis 1) or one shared by
/// all channels (<c>prelu_param.channel_shared</c>). Works in place.
/// </summary>
/// <remarks>
/// <para>
/// The bottom needs at least 2 axes; channel c = axis 1. The slope blob a has shape (C), or no axes (one value)
/// when channel_shared; <c>prelu_param.filler</c> fills it, constant 0.25 when absent.
/// </para>
/// <para>Forward: y = max(x, 0) + a_c * min(x, 0).</para>
/// <para>
/// Backward: da_c += sum over the items and positions of channel c of dy * x * (x &lt;= 0) (summed over
/// everything when shared); dx = dy * (x &gt; 0 ? 1 : a_c).
/// </para>
/// <para>
/// In place, forward keeps the input aside (both gradients need x), and backward computes da before it
/// overwrites dy with dx, as Caffe does.
/// </para>
/// </remarks>
public sealed class PReLULayer : NeuronLayer
{
    private readonly bool _channelShared;
    private int _channels;
    private int _items;
    private int _inner;

    /// <summary>Creates the layer from its definition (<c>prelu_param</c>).</summary>
    public PReLULayer(LayerParameter parameter)
        : base(parameter)
    {
        _channelShared = parameter.PreluParam?.ChannelShared ?? false;
    }

    /// <inheritdoc/>
    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireTwoAxes(bottom[0]);
        var channels = bottom[0].Shape[1];
        var slopes = _channelShared ? 1 : channels;
        if (BlobsGiven)
        {
            if (Blobs.Count != 1)
            {
                throw Error($"expected 1 learnable blob (the slopes), the model gives {Blobs.Count}");
            }

            if (Blobs[0].Count != slopes)
            {
                throw Error(
                    $"the given slope blob has {Blobs[0].Count} value{(Blobs[0].Count == 1 ? string.Empty : "s")} ({Blobs[0].ShapeString}); " +
                    (_channelShared ? "channel_shared needs 1" : $"bottom '{bottom[0].Name}' has {channels} channels"));
            }

            return;
        }

        var filler = Parameter.PreluParam?.Filler ?? new FillerParameter { Type = "constant", Value = 0.25f };
        LearnableBlob(0, "slope", _channelShared ? [] : [channels], filler, "prelu_param.filler");
    }

    /// <inheritdoc/>
    protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var input = bottom[0];
        RequireTwoAxes(input);
        if (!_channelShared && input.Shape[1] != Blobs[0].Count)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}, {input.Shape[1]} channels; the layer has {Blobs[0].Count} slopes");
        }

        base.ReshapeCore(bottom, top);
        _channels = input.Shape[1];
        _items = input.Shape[0];
        _inner = input.CountFrom(2);
    }

    /// <inheritdoc/>
    protected override void Forward(ReadOnlySpan<float> x, Span<float> y) => ScaleNonPositive(x, x, y);

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        // The slope gradient first: in place, dx (the base's Backward) overwrites dy.
        if (ParamPropagateDown(0))
        {
            var x = ForwardInput(bottom[0]);
            ReadOnlySpan<float> dy = top[0].Diff;
            var slopeDiff = Blobs[0].Diff;
            var i = 0;
            for (var n = 0; n < _items; n++)
            {
                for (var c = 0; c < _channels; c++)
                {
                    var sum = 0f;
                    for (var end = i + _inner; i < end; i++)
                    {
                        if (x[i] <= 0f)
                        {
                            sum += dy[i] * x[i];
                        }
                    }

                    slopeDiff[_channelShared ? 0 : c] += sum;
                }
            }
        }

        base.BackwardCore(top, propagateDown, bottom);
    }

    /// <inheritdoc/>
    protected override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ScaleNonPositive(x, dy, dx);

    /// <summary>
    /// result = value where x &gt; 0, slope_c * value elsewhere: forward with value = x, backward with value = dy. Reads
    /// each value before it writes the result at the same index, so result may be value (in place).
    /// </summary>
    private void ScaleNonPositive(ReadOnlySpan<float> x, ReadOnlySpan<float> value, Span<float> result)
    {
        ReadOnlySpan<float> slopes = Blobs[0].Data;
        var i = 0;
        for (var n = 0; n < _items; n++)
        {
            for (var c = 0; c < _channels; c++)
            {
                var slope = slopes[_channelShared ? 0 : c];
                for (var end = i + _inner; i < end; i++)
                {
                    result[i] = x[i] > 0f ? value[i] : slope * value[i];
                }
            }
        }
    }

    private void RequireTwoAxes(Blob input)
    {
        if (input.AxisCount < 2)
        {
            throw Error($"bottom '{input.Name}' has shape {input.ShapeString}; PReLU needs at least 2 axes (items, channels, ...)");
        }
    }
}
