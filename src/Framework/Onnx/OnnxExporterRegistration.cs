using LayerNet.Plugins;

namespace LayerNet.Onnx;

/// <summary>One registered ONNX exporter: the layer type it exports, its class (an <see cref="IOnnxExporter"/>) and where it was registered.</summary>
public sealed class OnnxExporterRegistration : Registration
{
    internal OnnxExporterRegistration(string typeName, Type implementation, string source)
        : base(typeName, implementation, source)
    {
    }
}
