namespace LayerNet.Runner.Commands;

/// <summary>
/// Who watches a convert-imageset conversion: told of each image written, asked before each image whether to stop,
/// and asked to clear what it drew before a log line (the command's progress bar on a terminal, the dashboard's job).
/// </summary>
/// <param name="Image">Called after each image with the images written so far and the list's total.</param>
/// <param name="Clear">Called before each log line and at the end.</param>
/// <param name="Stopped">Asked before each image; true stops the conversion, removing what it wrote.</param>
internal sealed record ImagesetProgress(Action<int, int> Image, Action Clear, Func<bool> Stopped);
