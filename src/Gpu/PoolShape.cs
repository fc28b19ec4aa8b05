namespace LayerNet.Gpu;

/// <summary>The geometry of 2-D pooling on the device: input and output planes, window, stride and pad per axis.</summary>
internal readonly struct PoolShape(
    int height, int width, int pooledH, int pooledW, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
{
    /// <summary>The input height.</summary>
    public readonly int Height = height;

    /// <summary>The input width.</summary>
    public readonly int Width = width;

    /// <summary>The output height.</summary>
    public readonly int PooledH = pooledH;

    /// <summary>The output width.</summary>
    public readonly int PooledW = pooledW;

    /// <summary>The window height.</summary>
    public readonly int KernelH = kernelH;

    /// <summary>The window width.</summary>
    public readonly int KernelW = kernelW;

    /// <summary>The vertical stride.</summary>
    public readonly int StrideH = strideH;

    /// <summary>The horizontal stride.</summary>
    public readonly int StrideW = strideW;

    /// <summary>The padding above and below.</summary>
    public readonly int PadH = padH;

    /// <summary>The padding left and right.</summary>
    public readonly int PadW = padW;
}
