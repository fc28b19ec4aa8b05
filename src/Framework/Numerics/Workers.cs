namespace LayerNet.Numerics;

/// <summary>
/// The process's worker threads (one per extra core, the ones large GEMMs use), for layers that split a batch into
/// slices: <c>Run(total, work)</c> calls work(i, total) for every slice i, slice 0 on the calling thread. Products
/// started inside a slice run on that slice's thread.
/// </summary>
internal static class Workers
{
    /// <summary>How many slices can run at once (the processor count).</summary>
    public static int Count => GemmWorkers.Count;

    /// <summary>True on a thread running a slice.</summary>
    public static bool InParallel => GemmWorkers.InParallel;

    /// <summary>
    /// Runs work(i, parts) for every part i: one part per thread when there are at most <see cref="Count"/> parts, else
    /// all of them in order on this thread (tests split work into more parts than the machine has cores).
    /// </summary>
    public static void RunParts(int parts, Action<int, int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (parts <= Count)
        {
            GemmWorkers.Run(parts, work);
            return;
        }

        for (var i = 0; i < parts; i++)
        {
            work(i, parts);
        }
    }

    /// <summary>Runs work(i, total) for i in [0, total), total at most <see cref="Count"/>; rethrows a slice's exception.</summary>
    public static void Run(int total, Action<int, int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, Count);
        GemmWorkers.Run(total, work);
    }
}
