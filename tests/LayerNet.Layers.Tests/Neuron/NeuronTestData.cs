using LayerNet.Layers;
using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Neuron;

/// <summary>Inputs and checks shared by the neuron layer fixtures.</summary>
internal static class NeuronTestData
{
    /// <summary>Where <see cref="Definition"/>'s layers are placed: net.prototxt(7,1).</summary>
    public static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 7, 1));

    /// <summary>A layer definition placed at net.prototxt(7,1), so errors carry that position.</summary>
    public static LayerParameter Definition(string name, string type)
    {
        var parameter = new LayerParameter { Name = name, Type = type };
        return parameter;
    }

    /// <summary>Caffe's neuron test input: a 2 x 3 x 4 x 5 blob of N(0, 1) draws.</summary>
    public static Blob Gaussian(ulong seed = 1701) => BlobBuilder.Gaussian(new RandomSource(seed), 0f, 1f, 2, 3, 4, 5);

    /// <summary>Sets the layer up on a fresh top, runs forward and returns the top.</summary>
    public static Blob Forward(Layer layer, Blob bottom)
    {
        var top = new Blob();
        layer.SetUp([bottom], [top]);
        layer.Forward([bottom], [top]);
        return top;
    }

    /// <summary>Runs forward, sets the top gradient to <paramref name="topDiff"/>, runs backward and returns the bottom gradient.</summary>
    public static float[] Backward(Layer layer, Blob bottom, params float[] topDiff)
    {
        var top = Forward(layer, bottom);
        topDiff.CopyTo(top.Diff);
        layer.Backward([top], [true], [bottom]);
        return bottom.Diff.ToArray();
    }

    /// <summary>
    /// Runs two layers from <paramref name="create"/> on copies of <paramref name="input"/>, one in place and one
    /// not, and checks that outputs, bottom gradients and learnable-blob gradients agree exactly.
    /// </summary>
    public static void AssertInPlaceMatchesSeparate(Func<Layer> create, Blob input)
    {
        var separate = Copy(input);
        var inPlace = Copy(input);
        var top = new Blob();
        var layer = create();
        var inPlaceLayer = create();
        layer.SetUp([separate], [top]);
        inPlaceLayer.SetUp([inPlace], [inPlace]);

        layer.Forward([separate], [top]);
        inPlaceLayer.Forward([inPlace], [inPlace]);
        Assert.That(inPlace.Data.ToArray(), Is.EqualTo(top.Data.ToArray()), "forward");

        var topDiff = Gaussian(seed: 2);
        topDiff.Data.CopyTo(top.Diff);
        topDiff.Data.CopyTo(inPlace.Diff);
        layer.Backward([top], [true], [separate]);
        inPlaceLayer.Backward([inPlace], [true], [inPlace]);
        Assert.That(inPlace.Diff.ToArray(), Is.EqualTo(separate.Diff.ToArray()), "bottom gradient");
        for (var i = 0; i < layer.Blobs.Count; i++)
        {
            Assert.That(inPlaceLayer.Blobs[i].Diff.ToArray(), Is.EqualTo(layer.Blobs[i].Diff.ToArray()), $"gradient of learnable blob {i}");
        }
    }

    /// <summary>Sets the layer up with two bottoms and returns the error, which must name the layer and its position.</summary>
    public static string TwoBottomsError(Layer layer)
    {
        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(2), new Blob(2)], [new Blob()]));
        return error.Message;
    }

    private static Blob Copy(Blob blob)
    {
        var copy = new Blob([.. blob.Shape]);
        blob.Data.CopyTo(copy.Data);
        return copy;
    }
}
