namespace LayerNet.Gpu;

/// <summary>
/// The geometry and scalars of LRN on the device, the scalars computed on the host as the CPU layer computes them
/// (alpha / n, 2 alpha beta / |window|), so both sides round them alike.
/// </summary>
internal readonly struct LrnShape(int channels, int height, int width, int size, float alpha, float alphaOverSize, float beta, float k, float cacheRatio)
{
    /// <summary>C.</summary>
    public readonly int Channels = channels;

    /// <summary>H.</summary>
    public readonly int Height = height;

    /// <summary>W.</summary>
    public readonly int Width = width;

    /// <summary>n, the window (odd): channels across, or the side of the square within a channel.</summary>
    public readonly int Size = size;

    /// <summary>The scaling parameter alpha.</summary>
    public readonly float Alpha = alpha;

    /// <summary>alpha / n (across channels).</summary>
    public readonly float AlphaOverSize = alphaOverSize;

    /// <summary>The exponent.</summary>
    public readonly float Beta = beta;

    /// <summary>The constant added to the window term across channels.</summary>
    public readonly float K = k;

    /// <summary>2 alpha beta / |window|, the backward pass's factor.</summary>
    public readonly float CacheRatio = cacheRatio;
}
