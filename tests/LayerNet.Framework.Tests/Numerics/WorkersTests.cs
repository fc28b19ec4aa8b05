using LayerNet.Numerics;

namespace LayerNet.Framework.Tests.Numerics;

[TestFixture]
[NonParallelizable]
public sealed class WorkersTests
{
    [Test]
    public void Every_slice_runs_once_and_inside_a_slice_work_stays_on_its_thread()
    {
        var total = Workers.Count;
        var runs = new int[total];
        var nested = new bool[total];
        Workers.Run(total, (i, n) =>
        {
            Interlocked.Increment(ref runs[i]);
            nested[i] = Workers.InParallel;

            // A nested Run (as a GEMM inside a slice would make) runs inline instead of waiting for busy workers.
            Workers.Run(n, (_, _) => { });
        });

        Assert.That(runs, Is.All.EqualTo(1));
        Assert.That(nested, Is.All.True);
        Assert.That(Workers.InParallel, Is.False, "the caller leaves the parallel region");
    }

    [Test]
    public void An_exception_in_any_slice_reaches_the_caller_after_every_slice_ended()
    {
        var total = Workers.Count;
        var ended = 0;
        var error = Assert.Throws<InvalidOperationException>(() => Workers.Run(total, (i, _) =>
        {
            Interlocked.Increment(ref ended);
            if (i == total - 1)
            {
                throw new InvalidOperationException($"slice {i}");
            }
        }));

        Assert.That(error!.Message, Is.EqualTo($"slice {total - 1}"));
        Assert.That(ended, Is.EqualTo(total));

        // The workers are still there for the next call.
        var runs = 0;
        Workers.Run(total, (_, _) => Interlocked.Increment(ref runs));
        Assert.That(runs, Is.EqualTo(total));
    }
    [Test]
    public void An_idle_worker_spins_for_the_spin_time_before_it_blocks()
    {
        // The spin time in ticks was once read before its source was initialised, so it was zero and every hand-over
        // woke a blocked thread (15 to 70 us on a virtual machine instead of about 1).
        Assert.That(GemmWorkers.SpinTime, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(GemmWorkers.SpinTicksValue, Is.EqualTo((long)(GemmWorkers.SpinTime.TotalSeconds * System.Diagnostics.Stopwatch.Frequency)).Within(1));
        if (Workers.Count < 2)
        {
            return;
        }

        Workers.Run(Workers.Count, (_, _) => { });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < GemmWorkers.SpinTime / 4)
        {
        }

        var blockedEarly = GemmWorkers.AnyWorkerBlocked;
        var elapsed = clock.Elapsed;
        Assert.That(blockedEarly && elapsed < GemmWorkers.SpinTime / 2, Is.False, $"a worker blocked within {elapsed.TotalMilliseconds:F2} ms of its last slice");
    }
}
