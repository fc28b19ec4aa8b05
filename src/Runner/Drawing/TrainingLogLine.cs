namespace LayerNet.Runner.Drawing;

/// <summary>What a training log line carried.</summary>
internal enum TrainingLogLine
{
    /// <summary>Nothing a plot shows.</summary>
    Other,

    /// <summary>A display line with the train loss.</summary>
    TrainLoss,

    /// <summary>A learning-rate line.</summary>
    LearningRate,

    /// <summary>A test net output.</summary>
    TestOutput,
}
