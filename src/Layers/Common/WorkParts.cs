using LayerNet.Numerics;

namespace LayerNet.Layers.Common;

/// <summary>
/// How many parts a layer splits one pass into over the worker threads (convolution, pooling, Eltwise): one per
/// thread where the work is worth splitting, else one. Every split gives the values of one part bit for bit, so tests
/// force other counts through <see cref="Forced"/>.
/// </summary>
internal static class WorkParts
{
    /// <summary>
    /// Tests: 0 (the default) lets each layer choose; 1 splits nothing; n &gt; 1 makes every layer that can split a
    /// pass split it into n parts, whatever its size, run in order on the calling thread when there are more parts than
    /// threads (<see cref="Workers.RunParts"/>).
    /// </summary>
    internal static int Forced { get; set; }

    /// <summary><see cref="Forced"/> when set, else the thread count when <paramref name="worthSplitting"/>, else 1.</summary>
    public static int For(bool worthSplitting) => Forced > 0 ? Forced : worthSplitting ? Workers.Count : 1;
}
