namespace LayerNet.Runner.Dashboard;

/// <summary>
/// Curve points of a run, as <c>[iteration, value]</c> pairs: all of them (<paramref name="Reset"/> true, the first
/// event and after a log that was rewritten) or the ones added since the last event; with the run's row.
/// </summary>
internal sealed record RunsPoints(
    string Run,
    bool Reset,
    IReadOnlyList<double[]> Loss,
    IReadOnlyList<double[]> LearningRate,
    IReadOnlyDictionary<string, IReadOnlyList<double[]>> Tests,
    RunsSummary? Summary);
