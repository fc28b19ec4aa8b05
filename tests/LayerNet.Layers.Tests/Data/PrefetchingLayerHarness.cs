using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Data;

namespace LayerNet.Layers.Tests.Data;

/// <summary>Sets up a prefetching data layer from its definition for a test, with a seeded generator and tops named as the definition names them.</summary>
internal static class PrefetchingLayerHarness
{
    /// <summary>Makes the layer with <paramref name="create"/>, seeds it and sets it up; the caller disposes it.</summary>
    public static (TLayer Layer, Blob[] Top) SetUp<TLayer>(LayerParameter definition, Func<LayerParameter, TLayer> create, ulong seed = 0)
        where TLayer : PrefetchingDataLayer
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(create);
        var layer = create(definition);
        layer.Random = new RandomSource(seed);
        var top = definition.Top.Select(name => new Blob { Name = name }).ToArray();
        try
        {
            layer.SetUp([], top);
        }
        catch
        {
            layer.Dispose();
            throw;
        }

        return (layer, top);
    }

    /// <summary>The message of the error that setting the layer up raises.</summary>
    public static string SetUpError<TLayer>(LayerParameter definition, Func<LayerParameter, TLayer> create)
        where TLayer : PrefetchingDataLayer =>
        Assert.Throws<LayerNetException>(() => SetUp(definition, create).Layer.Dispose())!.Message;

    /// <summary>The message of the error that the first forward raises.</summary>
    public static string ForwardError<TLayer>(LayerParameter definition, Func<LayerParameter, TLayer> create)
        where TLayer : PrefetchingDataLayer
    {
        var (layer, top) = SetUp(definition, create);
        using var _ = layer;
        return Assert.Throws<LayerNetException>(() => layer.Forward([], top))!.Message;
    }
}
