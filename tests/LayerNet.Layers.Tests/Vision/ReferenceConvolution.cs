using LayerNet.Blobs;

namespace LayerNet.Layers.Tests.Vision;

/// <summary>
/// A direct, loop-by-loop convolution to check the im2col layers against (Caffe's tests use caffe_conv the same way):
/// y[n, o, q] = b[o] + sum over c in o's group and kernel offsets j of W[o, c', j] x[n, c, q s - p + j d].
/// </summary>
internal static class ReferenceConvolution
{
    public static Blob Convolve(
        Blob bottom, int axis, Blob weight, Blob? bias, int group, int[] kernel, int[] pad, int[] stride, int[] dilation)
    {
        var spatial = bottom.AxisCount - axis - 1;
        var items = bottom.CountRange(0, axis);
        var channels = bottom.Shape[axis];
        var outputs = weight.Shape[0];
        var inputShape = new int[spatial];
        var outputShape = new int[spatial];
        for (var i = 0; i < spatial; i++)
        {
            inputShape[i] = bottom.Shape[axis + 1 + i];
            outputShape[i] = ((inputShape[i] + (2 * pad[i]) - ((dilation[i] * (kernel[i] - 1)) + 1)) / stride[i]) + 1;
        }

        var topShape = new int[bottom.AxisCount];
        for (var i = 0; i < axis; i++)
        {
            topShape[i] = bottom.Shape[i];
        }

        topShape[axis] = outputs;
        outputShape.CopyTo(topShape, axis + 1);
        var top = new Blob(topShape);
        var inputSize = Product(inputShape);
        var outputSize = Product(outputShape);
        var kernelSize = Product(kernel);
        var channelsPerGroup = channels / group;
        var outputsPerGroup = outputs / group;
        var q = new int[spatial];
        var j = new int[spatial];
        for (var n = 0; n < items; n++)
        {
            for (var o = 0; o < outputs; o++)
            {
                var g = o / outputsPerGroup;
                for (var qi = 0; qi < outputSize; qi++)
                {
                    Split(qi, outputShape, q);
                    double sum = bias is null ? 0f : bias.Data[o];
                    for (var c = 0; c < channelsPerGroup; c++)
                    {
                        for (var ji = 0; ji < kernelSize; ji++)
                        {
                            Split(ji, kernel, j);
                            var index = 0;
                            var inside = true;
                            for (var i = 0; i < spatial; i++)
                            {
                                var position = (q[i] * stride[i]) - pad[i] + (j[i] * dilation[i]);
                                inside &= position >= 0 && position < inputShape[i];
                                index = (index * inputShape[i]) + position;
                            }

                            if (inside)
                            {
                                var x = bottom.Data[(((n * channels) + (g * channelsPerGroup) + c) * inputSize) + index];
                                var w = weight.Data[(((o * channelsPerGroup) + c) * kernelSize) + ji];
                                sum += (double)x * w;
                            }
                        }
                    }

                    top.Data[(((n * outputs) + o) * outputSize) + qi] = (float)sum;
                }
            }
        }

        return top;
    }

    private static int Product(int[] values)
    {
        var product = 1;
        foreach (var value in values)
        {
            product *= value;
        }

        return product;
    }

    private static void Split(int flat, int[] shape, int[] index)
    {
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            index[i] = flat % shape[i];
            flat /= shape[i];
        }
    }
}
