using Caffe;
using Google.Protobuf;
using LayerNet.Nets;
using LayerNet.Onnx;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Exports nets and runs them in ONNX Runtime (the real runtime, from NuGet), comparing every output with LayerNet's
/// forward on the same input.
/// </summary>
internal static class OnnxCheck
{
    /// <summary>The standard layers and their exporters, registered as <c>layernet</c> registers them; shared by the ONNX tests.</summary>
    internal static ServiceProvider Services { get; } = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();

    /// <summary>The exporters of the standard layers, as <c>layernet export</c> has them.</summary>
    public static OnnxExporterFactory Exporters { get; } = Services.GetRequiredService<OnnxExporterFactory>();

    /// <summary>Builds a TEST-phase net from prototxt text and fills every learnable blob with seeded values (BatchNorm's variances positive, its scale factor 1).</summary>
    public static Net Build(string prototxt, int seed = 1)
    {
        var net = TextNets.Build(prototxt, Phase.Test);
        Randomize(net, seed);
        return net;
    }

    /// <summary>Fills the learnable blobs of every layer with seeded values in [-1, 1] (BatchNorm's variances in [0.5, 1.5], its scale factor 1).</summary>
    public static void Randomize(Net net, int seed = 1)
    {
        var random = new Random(seed);
        foreach (var layer in net.Layers)
        {
            for (var b = 0; b < layer.Blobs.Count; b++)
            {
                var data = layer.Blobs[b].Data;
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = layer.Type == "BatchNorm"
                        ? b switch { 0 => (float)(random.NextDouble() * 2 - 1), 1 => (float)(random.NextDouble() + 0.5), _ => 1f }
                        : (float)(random.NextDouble() * 2 - 1);
                }
            }
        }
    }

    /// <summary>Fills the net's inputs with seeded values in [-1, 1].</summary>
    public static void FillInputs(Net net, int seed = 2)
    {
        var random = new Random(seed);
        foreach (var input in net.Inputs)
        {
            var data = input.Data;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextDouble() * 2 - 1);
            }
        }
    }

    /// <summary>The model of <paramref name="net"/>, written to bytes and parsed back (as a file would be).</summary>
    public static ModelProto Export(Net net, OnnxExportOptions? options = null) =>
        ModelProto.Parser.ParseFrom(OnnxExport.Export(net, Exporters, options).ToByteArray());

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime on the net's current input values; returns every graph output by name.</summary>
    public static Dictionary<string, (float[] Values, int[] Shape)> Run(ModelProto model, Net net, int? batch = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var inputs = new List<NamedOnnxValue>();
        foreach (var input in net.Inputs)
        {
            var shape = input.Shape.ToArray();
            var values = input.Data.ToArray();
            if (batch is { } n)
            {
                // The same sample repeated n times (a dynamic-batch model run at a batch the net was not built with).
                var one = values.Length / shape[0];
                values = [.. Enumerable.Range(0, n).SelectMany(_ => values.Take(one))];
                shape[0] = n;
            }

            inputs.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(values, shape)));
        }

        using var results = session.Run(inputs);
        return results.ToDictionary(
            r => r.Name,
            r => (r.AsTensor<float>().ToArray(), r.AsTensor<float>().Dimensions.ToArray()));
    }

    /// <summary>
    /// Exports <paramref name="net"/>, runs it in ONNX Runtime and LayerNet on the same seeded inputs, and asserts every
    /// net output agrees in shape and, value by value, within <paramref name="relative"/> of the output's largest magnitude.
    /// </summary>
    public static ModelProto AssertSameOutputs(Net net, OnnxExportOptions? options = null, double relative = 1e-4)
    {
        FillInputs(net);
        var model = Export(net, options);
        var ort = Run(model, net);
        net.Forward();
        Assert.That(ort.Keys, Is.EquivalentTo(net.Outputs.Select(o => o.Name)), "graph outputs");
        foreach (var output in net.Outputs)
        {
            AssertClose(output.Name, ort[output.Name].Values, ort[output.Name].Shape, output.Data.ToArray(), [.. output.Shape], relative);
        }

        return model;
    }

    /// <summary>Asserts two outputs agree in shape and within <paramref name="relative"/> of the expected output's largest magnitude (at least 1e-6 absolute).</summary>
    public static void AssertClose(string name, float[] actual, int[] actualShape, float[] expected, int[] expectedShape, double relative = 1e-4)
    {
        Assert.That(actualShape, Is.EqualTo(expectedShape), $"{name}: shape");
        var scale = Math.Max(1e-6, expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v)));
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(actual[i] - (double)expected[i]) > relative * scale)
            {
                Assert.Fail($"{name}[{i}]: ONNX gives {actual[i]:R}, LayerNet {expected[i]:R} (largest magnitude {scale:R}, tolerance {relative * scale:R})");
            }
        }
    }
}
