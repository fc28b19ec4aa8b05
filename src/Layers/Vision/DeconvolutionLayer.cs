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
        var weight = Blobs[0].Data;
        for (var i = 0; i < bottom.Count; i++)
        {
            var input = bottom[i].Data;
            var output = top[i].Data;
            for (var n = 0; n < ItemCount; n++)
            {
                var item = output.Slice(n * TopDim, TopDim);
                BackwardGemm(input.Slice(n * BottomDim, BottomDim), weight, item);
                if (BiasTerm)
                {
                    ForwardBias(item, Blobs[1].Data);
                }
            }
        }
    }

    /// <inheritdoc/>
    protected override void BackwardCore(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var weight = Blobs[0].Data;
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

            if (!ParamPropagateDown(0) && !propagateDown[i])
            {
                continue;
            }

            var bottomData = bottom[i].Data;
            var bottomDiff = bottom[i].Diff;
            for (var n = 0; n < ItemCount; n++)
            {
                var itemDiff = topDiff.Slice(n * TopDim, TopDim);
                if (ParamPropagateDown(0))
                {
                    WeightGemm(itemDiff, bottomData.Slice(n * BottomDim, BottomDim), Blobs[0].Diff);
                }

                if (propagateDown[i])
                {
                    // The column buffer already holds im2col(dy) when the weight gradient was just computed.
                    ForwardGemm(itemDiff, weight, bottomDiff.Slice(n * BottomDim, BottomDim), skipIm2Col: ParamPropagateDown(0));
                }
            }
        }
    }
}
