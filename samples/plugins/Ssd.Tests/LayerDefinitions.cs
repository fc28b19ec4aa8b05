using Caffe;
using Google.Protobuf;
using LayerNet.Errors;

namespace LayerNet.Samples.Ssd.Tests;

/// <summary>Layer definitions for the tests, each with its typed parameter and a place in a model file.</summary>
internal static class LayerDefinitions
{
    public static readonly Origin At = Origin.At(new SourcePosition("net.prototxt", 7, 1));

    public static LayerParameter With<T>(string type, Google.Protobuf.Extension<LayerParameter, T> extension, T value)
        where T : IMessage<T>
    {
        var parameter = new LayerParameter { Name = "l", Type = type };
        parameter.SetExtension(extension, value);
        return parameter;
    }
}
