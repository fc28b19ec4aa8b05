using LayerNet.Plugins;

namespace LayerNet.Samples.Ssd;

/// <summary>
/// The plugin's entry point: registers the SSD fork's parameter extensions (<c>permute_param</c>,
/// <c>prior_box_param</c>, <c>norm_param</c>, <c>detection_output_param</c>, <c>multibox_loss_param</c>, at the fork's
/// LayerParameter field numbers) and its five layer types.
/// </summary>
public sealed class SsdPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder
            .AddParameterExtensions(SsdReflection.Descriptor)
            .AddLayer<PermuteLayer>("Permute")
            .AddLayer<PriorBoxLayer>("PriorBox")
            .AddLayer<NormalizeLayer>("Normalize")
            .AddLayer<DetectionOutputLayer>("DetectionOutput")
            .AddLayer<MultiBoxLossLayer>("MultiBoxLoss");
    }
}
