using LayerNet.Plugins;

namespace LayerNet.Samples.Softplus;

/// <summary>The plugin's entry point: registers the <c>softplus_param</c> extension, the "Softplus" layer type and its ONNX exporter.</summary>
public sealed class SoftplusPlugin : ILayerPlugin
{
    /// <inheritdoc/>
    public void Register(LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder
            .AddParameterExtensions(SoftplusReflection.Descriptor)
            .AddLayer<SoftplusLayer>("Softplus")
            .AddOnnxExporter<SoftplusOnnxExporter>("Softplus");
    }
}
