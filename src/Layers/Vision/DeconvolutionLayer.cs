using Caffe;

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
}
