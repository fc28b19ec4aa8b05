namespace LayerNet.Runner.Dashboard;

/// <summary>Where a training job of the dashboard's queue stands (its name, lower case, is what the pages show).</summary>
internal enum JobsState
{
    /// <summary>Waiting for the job before it to end.</summary>
    Queued,

    /// <summary>Its <c>layernet train</c> child is running.</summary>
    Running,

    /// <summary>The child trained to the end and exited with code 0.</summary>
    Finished,

    /// <summary>The child exited with another code, or could not start.</summary>
    Failed,

    /// <summary>Stopped from the page: SIGINT, after which the child finished its iteration and snapshotted.</summary>
    Stopped,

    /// <summary>Taken out of the queue before it started.</summary>
    Cancelled,
}
