namespace LayerNet.Solvers;

/// <summary>
/// The workers one training run is spread over (synchronous data parallelism: <c>mpirun -np N layernet train</c>):
/// the collective operations the solver needs. Every worker calls each operation at the same point with buffers of
/// the same length; each returns when all have taken part. The runner implements it over MPI; a solver without one
/// trains alone.
/// </summary>
public interface IWorkerGroup
{
    /// <summary>This worker's place, 0 to <see cref="Size"/> - 1; worker 0 logs, tests and snapshots.</summary>
    int Rank { get; }

    /// <summary>How many workers take part.</summary>
    int Size { get; }

    /// <summary>
    /// Replaces <paramref name="values"/>, on every worker, by the element-wise sum over the workers. The order of
    /// the additions is fixed for a given worker count, so every worker gets the same bits and a rerun the same sum;
    /// with two workers each element is one addition, a + b.
    /// </summary>
    void Sum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every worker by worker 0's.</summary>
    void Broadcast(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every worker by worker 0's.</summary>
    void Broadcast(Span<byte> values);
}
