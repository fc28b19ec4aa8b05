using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Testing;

namespace LayerNet.Layers.Tests.Recurrent;

/// <summary>The definitions and bottoms the RNN and LSTM tests share.</summary>
internal static class RecurrentTestBlobs
{
    /// <summary>A recurrent layer's definition with Caffe's test fillers: weights gaussian (std 0.2), biases gaussian (std 0.1).</summary>
    public static LayerParameter Definition(string type, uint outputs, bool exposeHidden) => new()
    {
        Name = type.ToLowerInvariant(),
        Type = type,
        RecurrentParam = new RecurrentParameter
        {
            NumOutput = outputs,
            ExposeHidden = exposeHidden,
            WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.2f },
            BiasFiller = new FillerParameter { Type = "gaussian", Std = 0.1f },
        },
    };

    /// <summary>A blob of values uniform in [-1, 1].</summary>
    public static Blob Uniform(ulong seed, params int[] shape) => BlobBuilder.Uniform(new RandomSource(seed), -1f, 1f, shape);

    /// <summary>cont = 0 at the first step of every stream, then 1 (Caffe's tests).</summary>
    public static Blob Cont(int steps, int streams)
    {
        var cont = new Blob(steps, streams);
        for (var i = 0; i < cont.Count; i++)
        {
            cont.Data[i] = i >= streams ? 1f : 0f;
        }

        return cont;
    }

    /// <summary>Values as float64, for comparison with <see cref="RecurrentReference"/>.</summary>
    public static double[] Doubles(Blob blob) => blob.Data.ToArray().Select(v => (double)v).ToArray();
}
