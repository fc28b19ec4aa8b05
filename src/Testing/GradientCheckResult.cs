namespace LayerNet.Testing;

/// <summary>The outcome of checking one blob's gradient: the worst errors over the elements checked.</summary>
/// <param name="Blob">What was checked: "bottom 0 'x'" or "param 0".</param>
/// <param name="Checked">How many elements were checked (kinks and unsampled elements are not).</param>
/// <param name="Count">How many elements the blob has.</param>
/// <param name="MaxAbsoluteError">The largest |analytic - numeric|.</param>
/// <param name="MaxRelativeError">The largest |analytic - numeric| / max(|analytic|, |numeric|, 1) (Caffe's scale); infinity where one is NaN.</param>
/// <param name="WorstIndex">The element with the largest relative error; -1 when none was checked.</param>
/// <param name="WorstAnalytic">The analytic gradient there.</param>
/// <param name="WorstNumeric">The numeric gradient there.</param>
/// <param name="WorstValue">The element's value there (before perturbation).</param>
public sealed record GradientCheckResult(
    string Blob, int Checked, int Count, double MaxAbsoluteError, double MaxRelativeError, int WorstIndex, double WorstAnalytic, double WorstNumeric, float WorstValue);
