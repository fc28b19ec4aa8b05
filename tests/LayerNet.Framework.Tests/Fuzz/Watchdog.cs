using System.Runtime.ExceptionServices;

namespace LayerNet.Framework.Tests.Fuzz;

/// <summary>
/// Runs one fuzz input with a time bound: a hang fails the test naming the input instead of stalling the run.
/// A runaway input is left running on its thread pool thread; the test has failed by then anyway.
/// </summary>
internal static class Watchdog
{
    /// <summary>Runs <paramref name="action"/>; returns the exception it threw (null when none), or fails the test after <paramref name="timeout"/>.</summary>
    public static Exception? Run(Action action, TimeSpan timeout, Func<string> describeInput)
    {
        var task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!task.Wait(timeout))
            {
                Assert.Fail($"no answer within {timeout.TotalSeconds} s (a hang?) for {describeInput()}");
            }

            return null;
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
        {
            return aggregate.InnerException;
        }
    }

    /// <summary>Rethrows an exception with its stack (for a failure whose cause a test wants to show).</summary>
    public static void Rethrow(Exception exception) => ExceptionDispatchInfo.Capture(exception).Throw();
}
