namespace LayerNet.Layers.Onnx.Export;

/// <summary>Caffe's pooling window on one spatial axis: the input size, kernel, pad (both sides), stride and the output size Caffe gives.</summary>
/// <param name="Size">The input's size on the axis.</param>
/// <param name="Kernel">The kernel size.</param>
/// <param name="Pad">The pad Caffe puts before the first window (and counts in AVE's divisor after the last).</param>
/// <param name="Stride">The stride.</param>
/// <param name="Pooled">The output size, as Caffe's rounding gives it.</param>
internal readonly record struct PoolWindow(int Size, int Kernel, int Pad, int Stride, int Pooled)
{
    /// <summary>The outputs whose window starts inside the input; those after it (possible without a pad, when the stride exceeds the kernel) see nothing.</summary>
    public int Filled => Math.Min(Pooled, (Size + Pad + Stride - 1) / Stride);

    /// <summary>
    /// The end pad that makes floor rounding give <see cref="Filled"/> outputs when <paramref name="begin"/> is the
    /// pad before the first window: the last window's end past the input, or 0 when it ends inside (floor rounding
    /// drops nothing then, the shortfall being less than a stride).
    /// </summary>
    public int EndPad(int begin) => Math.Max(0, ((Filled - 1) * Stride) + Kernel - Size - begin);
}
