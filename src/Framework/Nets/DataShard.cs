namespace LayerNet.Nets;

/// <summary>
/// This worker's share of a training run's batches when the run is spread over several workers (MPI ranks):
/// worker <see cref="Index"/> of <see cref="Count"/> takes batches <c>Index</c>, <c>Index + Count</c>,
/// <c>Index + 2 Count</c>, ... of the sequence one worker would read. So N workers together read, each iteration,
/// exactly the N batches one worker with <c>iter_size: N</c> reads, in the same order; shuffling (drawn from the
/// same seed on every worker) and the wrap at the end of the source happen at the same places.
/// </summary>
/// <param name="Index">This worker's place, 0 to <paramref name="Count"/> - 1 (the MPI rank).</param>
/// <param name="Count">How many workers share the batches (the MPI world size); 1 for a run on one machine.</param>
public readonly record struct DataShard(int Index, int Count)
{
    /// <summary>The whole sequence: one worker.</summary>
    public static DataShard Whole { get; } = new(0, 1);

    /// <summary>True when this worker reads every batch.</summary>
    public bool IsWhole => Count <= 1;

    /// <summary>Batches to pass over before this worker's first: <see cref="Index"/>.</summary>
    public int BatchesBeforeFirst => Index;

    /// <summary>Batches to pass over after each of this worker's batches: the other workers', <c>Count - 1</c>.</summary>
    public int BatchesBetween => Count - 1;
}
