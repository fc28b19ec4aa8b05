namespace LayerNet.Solvers;

/// <summary>What a signal asks the running solver to do after the current iteration (Caffe's SolverAction).</summary>
public enum SolverAction
{
    /// <summary>Keep training.</summary>
    None,

    /// <summary>Stop cleanly after the current iteration (writing the final snapshot when snapshot_after_train is set).</summary>
    Stop,

    /// <summary>Write a snapshot and keep training.</summary>
    Snapshot,
}
