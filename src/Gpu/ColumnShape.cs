namespace LayerNet.Gpu;

/// <summary>
/// The 2-D geometry of im2col and col2im for one item: the image (channels x height x width), the kernel's window
/// (size, pad, stride, dilation per axis) and the output grid the columns run over.
/// </summary>
internal readonly struct ColumnShape(
    int channels, int height, int width, int kernelH, int kernelW, int padH, int padW, int strideH, int strideW,
    int dilationH, int dilationW, int outputH, int outputW)
{
    /// <summary>The image's channels.</summary>
    public readonly int Channels = channels;

    /// <summary>The image's height.</summary>
    public readonly int Height = height;

    /// <summary>The image's width.</summary>
    public readonly int Width = width;

    /// <summary>The kernel's height.</summary>
    public readonly int KernelH = kernelH;

    /// <summary>The kernel's width.</summary>
    public readonly int KernelW = kernelW;

    /// <summary>The zero padding above and below.</summary>
    public readonly int PadH = padH;

    /// <summary>The zero padding left and right.</summary>
    public readonly int PadW = padW;

    /// <summary>The vertical stride.</summary>
    public readonly int StrideH = strideH;

    /// <summary>The horizontal stride.</summary>
    public readonly int StrideW = strideW;

    /// <summary>The vertical dilation.</summary>
    public readonly int DilationH = dilationH;

    /// <summary>The horizontal dilation.</summary>
    public readonly int DilationW = dilationW;

    /// <summary>The output grid's height (the columns' rows are channel x kernel taps, their columns this grid).</summary>
    public readonly int OutputH = outputH;

    /// <summary>The output grid's width.</summary>
    public readonly int OutputW = outputW;
}
