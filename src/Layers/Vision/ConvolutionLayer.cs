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
        var weight = Blobs[0].Data;
        for (var i = 0; i < bottom.Count; i++)
        {
            var input = bottom[i].Data;
            var output = top[i].Data;
            for (var n = 0; n < ItemCount; n++)
            {
                var item = output.Slice(n * TopDim, TopDim);
                ForwardGemm(input.Slice(n * BottomDim, BottomDim), weight, item);
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
                    WeightGemm(bottomData.Slice(n * BottomDim, BottomDim), itemDiff, Blobs[0].Diff);
                }

                if (propagateDown[i])
                {
                    BackwardGemm(itemDiff, weight, bottomDiff.Slice(n * BottomDim, BottomDim));
                }
            }
        }
    }
}
