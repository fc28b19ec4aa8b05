namespace LayerNet.Runner.Drawing;

/// <summary>The curves of one training log: train loss, test outputs and learning rate against iteration.</summary>
internal sealed class TrainingCurves(string source)
{
    /// <summary>Where the curves come from (a file name), for the legend.</summary>
    public string Source { get; } = source;

    /// <summary>The train loss at each displayed iteration (<c>Iteration N (...), loss = L</c>; Caffe's smoothed loss).</summary>
    public SortedList<int, double> TrainLoss { get; } = [];

    /// <summary>The learning rate at each displayed iteration (<c>Iteration N, lr = R</c>).</summary>
    public SortedList<int, double> LearningRate { get; } = [];

    /// <summary>Each test output (<c>accuracy</c>, <c>loss</c>; <c>#1 accuracy</c> for a second test net) at each test.</summary>
    public SortedDictionary<string, SortedList<int, double>> TestOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the log had at least one iteration line.</summary>
    public bool HasIterations => TrainLoss.Count > 0 || LearningRate.Count > 0 || TestOutputs.Count > 0;

    /// <summary>The test output series of this name, created when new.</summary>
    public SortedList<int, double> TestOutput(string name)
    {
        if (!TestOutputs.TryGetValue(name, out var series))
        {
            series = [];
            TestOutputs[name] = series;
        }

        return series;
    }
}
