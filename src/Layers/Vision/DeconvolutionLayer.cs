using Caffe;
using LayerNet.Blobs;

namespace LayerNet.Layers.Vision;

/// <summary>
/// Caffe's Deconvolution: the transpose of <see cref="ConvolutionLayer"/> (its forward pass is a convolution's
/// backward pass with respect to the input), used to upsample.
/// </summary>
/// <remarks>
/// <para>
/// Reads <c>convolution_param</c>. The weight is channels x (num_output / group) x kernel. Per item and group g,
/// with W_g the (channels / group) x (num_output / group prod(k)) slice of the weight:
/// </para>
/// <para>
/// Forward: y_g = col2im(W_g^T x_g) + b. Output size per spatial axis:
/// stride (in - 1) + dilation (k - 1) + 1 - 2 pad.
/// </para>
/// <para>
/// Backward, with Y = im2col(dy_g): dW_g += x_g Y^T; db += dy 1 (spatial sums); dx_g = W_g Y. Parameter
/// gradients accumulate, the bottom's is overwritten.
/// </para>
/// </remarks>
public sealed class DeconvolutionLayer : BaseConvolutionLayer
{
    private Action<int, int, int>? _forwardItems;
    private Action<int, int, int>? _backwardItems;
    private Blob? _input;
    private Blob? _output;

    /// <summary>Creates the layer from its definition (<c>convolution_param</c>).</summary>
    public DeconvolutionLayer(LayerParameter parameter)
        : base(parameter, reverseDimensions: true)
    {
    }

    /// <inheritdoc/>
    protected override int OutputSize(int input, int kernelExtent, int pad, int stride) =>
        (stride * (input - 1)) + kernelExtent - (2 * pad);

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

            // As in Convolution: the weight gradient in item order on this thread, the input gradients (independent
            // items) possibly split over threads, each taking im2col(dy) again in its own column buffer.
            if (ParamPropagateDown(0))
            {
                var bottomData = bottom[i].Data;
                for (var n = 0; n < ItemCount; n++)
                {
                    WeightGemm(topDiff.Slice(n * TopDim, TopDim), bottomData.Slice(n * BottomDim, BottomDim), Blobs[0].Diff);
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
            BackwardGemm(input.Slice(n * BottomDim, BottomDim), Blobs[0].Data, item, slot);
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
            ForwardGemm(topDiff.Slice(n * TopDim, TopDim), Blobs[0].Data, bottomDiff.Slice(n * BottomDim, BottomDim), slot);
        }
    }
}
