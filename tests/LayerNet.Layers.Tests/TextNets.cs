using Caffe;
using LayerNet.Errors;
using LayerNet.Nets;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests;

/// <summary>Nets built from prototxt text ("net.prototxt") with the standard layers, as a user's model file is.</summary>
internal static class TextNets
{
    /// <summary>
    /// Builds the net in <paramref name="phase"/>, writes <paramref name="inputs"/> into the named blobs (the net's
    /// Input tops) and runs forward; returns the error forward raised.
    /// </summary>
    public static LayerNetException ForwardError(string text, Phase phase, params (string Blob, float[] Values)[] inputs)
    {
        var net = Build(text, phase);
        foreach (var (name, values) in inputs)
        {
            values.CopyTo(net.Blob(name).Data);
        }

        return Assert.Throws<LayerNetException>(() => net.Forward());
    }

    /// <summary>Builds the net in <paramref name="phase"/>; set-up errors propagate.</summary>
    public static Net Build(string text, Phase phase)
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var document = services.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(text, "net.prototxt");
        return new Net(document.Message, services.GetRequiredService<LayerFactory>(), new NetOptions { Source = document.Source, State = new NetState { Phase = phase } });
    }
}
