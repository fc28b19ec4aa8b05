using Caffe;

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
}
