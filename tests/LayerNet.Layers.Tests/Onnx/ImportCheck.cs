using Caffe;
using Google.Protobuf;
using LayerNet.Errors;
using LayerNet.Layers.Onnx;
using LayerNet.Nets;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Imports ONNX models and compares the Caffe net's forward with ONNX Runtime's (the real runtime, from NuGet) on the
/// same seeded inputs, output by output.
/// </summary>
internal static class ImportCheck
{

    /// <summary>The operator sets every mapping is tested at (23, the newest LayerNet imports: its operators mean for floats what they meant at 18 to 22).</summary>
    public static int[] Opsets { get; } = [9, 11, 13, 17, 23];

    /// <summary>The operator sets of the PyTorch exports in tests/data/onnx (PyTorch 1.13 writes up to 17).</summary>
    public static int[] TorchOpsets { get; } = [9, 11, 13, 17];

    /// <summary>The standard layers, as <c>layernet import</c> has them.</summary>
    public static LayerFactory Layers { get; } = OnnxCheck.Services.GetRequiredService<LayerFactory>();

    /// <summary>Imports <paramref name="model"/> (written to bytes and parsed back, as a file would be).</summary>
    public static OnnxImportResult Import(ModelProto model, OnnxImportOptions? options = null) =>
        OnnxImport.Import(ModelProto.Parser.ParseFrom(model.ToByteArray()), Layers, options);

    /// <summary>The import's error, which must be one line.</summary>
    public static LayerNetException Refusal(ModelProto model, OnnxImportOptions? options = null)
    {
        var error = Assert.Throws<LayerNetException>(() => Import(model, options))!;
        Assert.That(error.Message, Does.Not.Contain('\n'), "one line");
        return error;
    }

    /// <summary>
    /// The TEST-phase net of an import, with its weights copied in (every layer with learned blobs must get them); by
    /// default through bytes, as the .prototxt and .caffemodel files would carry them.
    /// </summary>
    public static Net Build(OnnxImportResult result, bool throughBytes = true)
    {
        var definition = throughBytes ? NetParameter.Parser.ParseFrom(result.Net.ToByteArray()) : result.Net;
        var weights = throughBytes ? NetParameter.Parser.ParseFrom(result.Weights.ToByteArray()) : result.Weights;
        var net = new Net(definition, Layers, new NetOptions { State = new NetState { Phase = Phase.Test } });
        net.CopyTrainedLayersFrom(weights).RequireEveryLayer();
        return net;
    }

    /// <summary>
    /// Imports <paramref name="model"/>, runs it in ONNX Runtime and the imported net in LayerNet on the same seeded
    /// inputs (uniform in [<paramref name="low"/>, <paramref name="high"/>)), and asserts every graph output agrees in
    /// shape and within <paramref name="relative"/> of its largest magnitude.
    /// </summary>
    public static OnnxImportResult AssertSameOutputs(ModelProto model, OnnxImportOptions? options = null, float low = -1f, float high = 1f, int seed = 2, double relative = 1e-4)
    {
        var result = Import(model, options);
        var net = Build(result);
        var random = new Random(seed);
        var feeds = new List<NamedOnnxValue>();
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet();
        foreach (var input in model.Graph.Input.Where(i => !initializers.Contains(i.Name)))
        {
            var blob = net.Blob(input.Name);
            var data = blob.Data;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = low + ((high - low) * (float)random.NextDouble());
            }

            feeds.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(data.ToArray(), [.. blob.Shape])));
        }

        var expected = Run(model, feeds);
        net.Forward();
        foreach (var output in model.Graph.Output)
        {
            var blob = net.Blob(output.Name);
            var (values, shape) = expected[output.Name];
            OnnxCheck.AssertClose(output.Name, blob.Data.ToArray(), [.. blob.Shape], values, shape, relative);
        }

        return result;
    }

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime; returns every output as floats (int64 and boolean outputs converted).</summary>
    public static Dictionary<string, (float[] Values, int[] Shape)> Run(ModelProto model, IReadOnlyCollection<NamedOnnxValue> feeds)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var results = session.Run(feeds);
        var outputs = new Dictionary<string, (float[] Values, int[] Shape)>();
        foreach (var result in results)
        {
            outputs[result.Name] = result.ElementType switch
            {
                TensorElementType.Int64 => (result.AsTensor<long>().ToArray().Select(v => (float)v).ToArray(), result.AsTensor<long>().Dimensions.ToArray()),
                TensorElementType.Bool => (result.AsTensor<bool>().ToArray().Select(v => v ? 1f : 0f).ToArray(), result.AsTensor<bool>().Dimensions.ToArray()),
                _ => (result.AsTensor<float>().ToArray(), result.AsTensor<float>().Dimensions.ToArray()),
            };
        }

        return outputs;
    }

    /// <summary>The types of the imported net's layers, in order (Input layers left out).</summary>
    public static string[] LayerTypes(OnnxImportResult result) =>
        [.. result.Net.Layer.Where(l => l.Type != "Input").Select(l => l.Type)];
}
