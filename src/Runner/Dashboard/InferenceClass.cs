namespace LayerNet.Runner.Dashboard;

/// <summary>One of an image's most probable classes, as <c>layernet classify</c> prints it.</summary>
/// <param name="Class">The class index.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Text">The probability as classify prints it (four decimals).</param>
/// <param name="Label">Its line of the labels file, or null without one.</param>
internal sealed record InferenceClass(int Class, float Probability, string Text, string? Label);
