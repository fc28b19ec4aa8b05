using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's Convolution: each output channel is a learned filter slid over the input channels of its group,
/// plus a bias.
/// </summary>
/// <remarks>
/// <para>
/// Per item and group g (C_in = channels / group inputs, C_out = num_output / group outputs), with W_g the
/// C_out x (C_in prod(k)) slice of the weight and X = im2col(x_g) (see <see cref="LayerNet.Numerics.Im2Col"/>):
/// </para>
/// <para>Forward: y_g = W_g X + b 1^T. Output size per spatial axis: (in + 2 pad - (dilation (k - 1) + 1)) / stride + 1.</para>
/// <para>
/// Backward: dW_g += dy_g X^T; db += dy 1 (spatial sums); dx_g = col2im(W_g^T dy_g). Parameter gradients
/// accumulate, the bottom's is overwritten.
/// </para>
/// </remarks>
public sealed class ConvolutionLayer : BaseConvolutionLayer
{
    private Action<int, int, int>? _forwardItems;
    private Action<int, int, int>? _backwardItems;
    private Blob? _input;
    private Blob? _output;

    /// <summary>Creates the layer from its definition (<c>convolution_param</c>).</summary>
    public ConvolutionLayer(LayerParameter parameter)
        : base(parameter, reverseDimensions: false)
    {
    }

    /// <inheritdoc/>
    protected override int OutputSize(int input, int kernelExtent, int pad, int stride) =>
        input + (2 * pad) < kernelExtent ? 0 : ((input + (2 * pad) - kernelExtent) / stride) + 1;

    /// <inheritdoc/>
    protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _forwardItems ??= ForwardItems;
        for (var i = 0; i < bottom.Count; i++)
        {
            (_input, _output) = (bottom[i], top[i]);
            ForEachItem(_forwardItems);
        }

        (_input, _output) = (null, null);
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        _backwardItems ??= BackwardItems;
        for (var i = 0; i < top.Count; i++)
        {
            var topDiff = top[i].Diff;
            if (BiasTerm && ParamPropagateDown(1))
            {
                for (var n = 0; n < ItemCount; n++)
                {
                    BackwardBias(Blobs[1].Diff, topDiff.Slice(n * TopDim, TopDim));
                }
            }

            // The weight gradient sums over the items, in item order, on this thread; the input gradients are
            // independent items and may be split over threads.
            if (ParamPropagateDown(0))
            {
                var bottomData = bottom[i].Data;
                for (var n = 0; n < ItemCount; n++)
                {
                    WeightGemm(bottomData.Slice(n * BottomDim, BottomDim), topDiff.Slice(n * TopDim, TopDim), Blobs[0].Diff);
                }
            }

            if (propagateDown[i])
            {
                (_input, _output) = (bottom[i], top[i]);
                ForEachItem(_backwardItems);
                (_input, _output) = (null, null);
            }
        }
    }

    private void ForwardItems(int slot, int first, int last)
    {
        var input = _input!.Data;
        var output = _output!.Data;
        for (var n = first; n < last; n++)
        {
            var item = output.Slice(n * TopDim, TopDim);
            ForwardGemm(input.Slice(n * BottomDim, BottomDim), Blobs[0].Data, item, slot);
            if (BiasTerm)
            {
                ForwardBias(item, Blobs[1].Data);
            }
        }
    }

    private void BackwardItems(int slot, int first, int last)
    {
        var topDiff = _output!.Diff;
        var bottomDiff = _input!.Diff;
        for (var n = first; n < last; n++)
        {
            BackwardGemm(topDiff.Slice(n * TopDim, TopDim), Blobs[0].Data, bottomDiff.Slice(n * BottomDim, BottomDim), slot);
        }
    }
}
