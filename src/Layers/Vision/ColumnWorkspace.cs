namespace LayerNet.Layers.Vision;

/// <summary>
/// The column buffer of the thread running a convolution, shared by every convolution that runs on that thread.
/// </summary>
/// <remarks>
/// A convolution's im2col columns (or its depthwise phases) live only within one call: forward writes and reads them,
/// the input gradient writes them and folds them back, the weight gradient rebuilds them. So one buffer per thread,
/// the size of the largest any layer needs, serves a whole net, where a buffer per layer held ResNet-50's 16 layers
/// of 3 x 3 columns at once (about 100 MB at batch 1). A worker thread running a slice of a batch has its own.
/// </remarks>
internal static class ColumnWorkspace
{
    [ThreadStatic]
    private static float[]? s_buffer;

    /// <summary>This thread's buffer, at least <paramref name="length"/> floats (grown, never shrunk).</summary>
    public static Span<float> Get(int length) => GetArray(length).AsSpan(0, length);

    /// <summary>
    /// This thread's buffer itself, at least <paramref name="length"/> floats, for work this thread hands to others
    /// while it waits for them (the parts of one convolution that read columns they built together).
    /// </summary>
    public static float[] GetArray(int length)
    {
        var buffer = s_buffer;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
            s_buffer = buffer;
        }

        return buffer;
    }
}
