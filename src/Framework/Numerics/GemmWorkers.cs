namespace LayerNet.Numerics;

/// <summary>
/// Persistent worker threads (one per extra core) that run the slices of one large GEMM. Work is handed over
/// through fields and events, so a call allocates nothing; calls from several threads are serialised.
/// </summary>
internal static unsafe class GemmWorkers
{
    private static readonly object Gate = new();
    private static Worker[]? s_workers;

    /// <summary>How many slices can run at once (the processor count).</summary>
    public static int Count => Math.Max(1, Environment.ProcessorCount);



    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Workers and their events live as long as the process.")]
    private sealed class Worker
    {
        public readonly ManualResetEventSlim Start = new(false);
        public readonly ManualResetEventSlim Done = new(false);
        public delegate* managed<int, int, void*, void> Work;
        public void* State;
        public int Index;
        public int Total;

        public void Loop()
        {
            while (true)
            {
                Start.Wait();
                Start.Reset();
                Work(Index, Total, State);
                Done.Set();
            }
        }
    }

    /// <summary>Runs work(i, total, state) for i in [0, total), total at most <see cref="Count"/>; slice 0 runs on the caller.</summary>
    public static void Run(int total, delegate* managed<int, int, void*, void> work, void* state)
    {
        if (total <= 1)
        {
            work(0, 1, state);
            return;
        }

        var workers = EnsureWorkers();
        lock (Gate)
        {
            for (int i = 1; i < total; i++)
            {
                var w = workers[i - 1];
                w.Work = work; w.State = state; w.Index = i; w.Total = total;
                w.Done.Reset();
                w.Start.Set();
            }

            work(0, total, state);
            for (int i = 1; i < total; i++) workers[i - 1].Done.Wait();
        }
    }

    private static Worker[] EnsureWorkers()
    {
        if (s_workers is { } existing) return existing;
        lock (Gate)
        {
            if (s_workers is null)
            {
                var workers = new Worker[Count - 1];
                for (int i = 0; i < workers.Length; i++)
                {
                    workers[i] = new Worker();

                    // A ManualResetEventSlim creates its lock object the first time a wait blocks; make that
                    // happen now, so no product allocates later.
                    workers[i].Done.Wait(1);
                    workers[i].Start.Wait(1);
                    var t = new Thread(workers[i].Loop) { IsBackground = true, Name = $"LayerNet GEMM {i + 1}" };
                    t.Start();
                }
                s_workers = workers;
            }
            return s_workers;
        }
    }
}
