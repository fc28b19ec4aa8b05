using Caffe;

namespace LayerNet.Layers.Loss;

/// <summary>
/// Caffe's loss normalization (<c>loss_param.normalization</c>, or the legacy <c>loss_param.normalize</c>):
/// what a summed loss is divided by.
/// </summary>
internal static class LossNormalization
{
    /// <summary>
    /// The mode a layer uses: <c>normalization</c> when given; otherwise the legacy <c>normalize</c> when given
    /// (true is VALID, false BATCH_SIZE); otherwise <paramref name="fallback"/>, which differs between Caffe's layers.
    /// </summary>
    public static LossParameter.Types.NormalizationMode Resolve(Layer layer, LossParameter.Types.NormalizationMode fallback)
    {
        var p = layer.Parameter.LossParam;
        if (p is null)
        {
            return fallback;
        }

        if (p.HasNormalization)
        {
            if (!Enum.IsDefined(p.Normalization))
            {
                throw layer.Error($"loss_param.normalization {(int)p.Normalization} is unknown; expected FULL, VALID, BATCH_SIZE or NONE");
            }

            return p.Normalization;
        }

        if (p.HasNormalize)
        {
            return p.Normalize ? LossParameter.Types.NormalizationMode.Valid : LossParameter.Types.NormalizationMode.BatchSize;
        }

        return fallback;
    }

    /// <summary>
    /// The divisor: FULL counts every position (<paramref name="outer"/> x <paramref name="inner"/>), VALID only those
    /// not ignored, BATCH_SIZE the items (<paramref name="outer"/>), NONE nothing. Never below 1, so a batch whose
    /// positions are all ignored gives a loss of 0, not NaN.
    /// </summary>
    public static float Normalizer(LossParameter.Types.NormalizationMode mode, int outer, int inner, int validCount)
    {
        var normalizer = mode switch
        {
            LossParameter.Types.NormalizationMode.Full => (float)outer * inner,
            LossParameter.Types.NormalizationMode.Valid => validCount,
            LossParameter.Types.NormalizationMode.BatchSize => outer,
            _ => 1f,
        };
        return MathF.Max(1f, normalizer);
    }
}
