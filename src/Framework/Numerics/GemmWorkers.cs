using System.Diagnostics;

namespace LayerNet.Numerics;

/// <summary>
/// Persistent worker threads (one per extra core) that run the slices of one large GEMM. Work is handed over
/// through fields, so a call allocates nothing; calls from several threads are serialised.
/// </summary>
/// <remarks>
/// A worker spins for up to <see cref="SpinTime"/> after its last slice before it blocks: training runs its large
/// products tens of microseconds apart, and waking a blocked thread takes about as long as the slice it is given,
/// which would cancel the gain of the second core. The caller spins too while it waits for the other slices, which
/// take about as long as its own.
/// </remarks>
internal static unsafe class GemmWorkers
{
    private static readonly object Gate = new();
    // From a constant, not from SpinTime: static fields are initialised in the order they are written, and SpinTime's
    // backing field comes later, so reading it here read zero and workers never spun (each hand-over woke a blocked
    // thread: 15 to 70 us instead of 1).
    private const int SpinMicroseconds = 2000;
    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    // A spinning worker yields its core once every 200 us, and checks for work every few dozen pause instructions.
    private static readonly long YieldTicks = Stopwatch.Frequency / 5000;
    private const int SpinIterations = 256;
    private static Worker[]? s_workers;

    /// <summary>How long an idle worker spins before it blocks.</summary>
    public static TimeSpan SpinTime => TimeSpan.FromMicroseconds(SpinMicroseconds);

    /// <summary>How long an idle worker spins, in <see cref="Stopwatch"/> ticks.</summary>
    internal static long SpinTicksValue => SpinTicks;

    /// <summary>Whether some worker is blocked (has not had a slice for longer than <see cref="SpinTime"/>).</summary>
    internal static bool AnyWorkerBlocked => s_workers is { } workers && workers.Any(w => Volatile.Read(ref w.Sleeping) == 1);

    /// <summary>How many slices can run at once (the processor count).</summary>
    public static int Count => Math.Max(1, Environment.ProcessorCount);

    [ThreadStatic]
    private static bool s_inParallel;

    /// <summary>True on a thread running a slice (workers, and the caller during <see cref="Run(int, Action{int, int})"/>): work there runs on that thread alone.</summary>
    public static bool InParallel => s_inParallel;

    /// <summary>
    /// Runs work(i, total) for i in [0, total) on the workers, slice 0 on the caller; total at most <see cref="Count"/>.
    /// An exception of any slice is rethrown here once every slice has ended. Nothing is allocated (the delegate is
    /// the caller's, made once).
    /// </summary>
    public static void Run(int total, Action<int, int> work)
    {
        if (total <= 1 || s_inParallel)
        {
            for (int i = 0; i < total; i++)
            {
                work(i, total);
            }

            return;
        }

        var workers = EnsureWorkers();
        lock (Gate)
        {
            for (int i = 1; i < total; i++)
            {
                var w = workers[i - 1];
                w.Managed = work; w.Index = i; w.Total = total; w.Failure = null;
                w.Post();
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
            s_inParallel = true;
            try
            {
                work(0, total);
            }
#pragma warning disable CA1031 // Rethrown below, after the other slices have ended.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
            }
            finally
            {
                s_inParallel = false;
            }

            for (int i = 1; i < total; i++)
            {
                var w = workers[i - 1];
                w.AwaitCompletion();
                w.Managed = null;
                failure ??= w.Failure;
            }

            failure?.Throw();
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Workers and their events live as long as the process.")]
    private sealed class Worker
    {
        public readonly ManualResetEventSlim Wake = new(false);
        public delegate* managed<int, int, void*, void> Work;
        public void* State;
        public Action<int, int>? Managed;
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure;
        public int Index;
        public int Total;

        // Posted counts the slices handed over, Completed the slices done; Sleeping is 1 while the worker blocks.
        public int Posted;
        public int Completed;
        public int Sleeping;

        // Hands over the slice set in the fields: the full fence of the increment pairs with the worker's (see Loop).
        public void Post()
        {
            Interlocked.Increment(ref Posted);
            if (Volatile.Read(ref Sleeping) == 1)
            {
                Wake.Set();
            }
        }

        // The caller spins (yielding) until the slice it posted is done: the slices take about as long as its own.
        public void AwaitCompletion()
        {
            var spinner = default(SpinWait);
            while (Volatile.Read(ref Completed) != Volatile.Read(ref Posted))
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        public void Loop()
        {
            var seen = 0;
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                var deadline = now + SpinTicks;
                var nextYield = now + YieldTicks;
                while (Volatile.Read(ref Posted) == seen)
                {
                    now = Stopwatch.GetTimestamp();
                    if (now < deadline)
                    {
                        // Pause instructions, and the core yielded once every YieldTicks so the runtime's own threads
                        // (the JIT's background compiles early in a run) are not starved by a waiting worker. A yield
                        // on every turn (SpinWait.SpinOnce's back-off) made a hand-over take 20 to 70 us on a virtual
                        // machine when the caller posted the next slice 50 us or more after the last, instead of 1.
                        for (var i = 0; i < SpinIterations && Volatile.Read(ref Posted) == seen; i++)
                        {
                        }
                        if (now >= nextYield)
                        {
                            Thread.Yield();
                            nextYield = Stopwatch.GetTimestamp() + YieldTicks;
                        }

                        continue;
                    }

                    // Block. The full fences on both sides (here and in Run) mean that either this thread sees
                    // the new post, or the poster sees Sleeping and sets Wake.
                    Interlocked.Exchange(ref Sleeping, 1);
                    if (Volatile.Read(ref Posted) == seen)
                    {
                        Wake.Wait();
                    }

                    Wake.Reset();
                    Interlocked.Exchange(ref Sleeping, 0);
                    deadline = Stopwatch.GetTimestamp() + SpinTicks;
                }

                seen = Volatile.Read(ref Posted);
                s_inParallel = true;
                if (Managed is { } managed)
                {
                    try
                    {
                        managed(Index, Total);
                    }
#pragma warning disable CA1031 // Any exception of a slice is handed to the caller, which rethrows it.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
                    }
                }
                else
                {
                    Work(Index, Total, State);
                }

                Volatile.Write(ref Completed, seen);
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
                w.Work = work; w.State = state; w.Index = i; w.Total = total; w.Managed = null;
                w.Post();
            }

            work(0, total, state);
            for (int i = 1; i < total; i++)
            {
                workers[i - 1].AwaitCompletion();
            }
        }
    }

    private static Worker[] EnsureWorkers()
    {
        if (s_workers is { } existing)
        {
            return existing;
        }

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
                    workers[i].Wake.Wait(1);
                    var t = new Thread(workers[i].Loop) { IsBackground = true, Name = $"LayerNet GEMM {i + 1}" };
                    t.Start();
                }
                s_workers = workers;
            }
            return s_workers;
        }
    }
}
