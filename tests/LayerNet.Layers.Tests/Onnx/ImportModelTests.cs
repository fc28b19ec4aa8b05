using LayerNet.Layers.Onnx;
using LayerNet.Testing;
using Onnx;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>Models PyTorch exported (tests/data/onnx/make_models.py), imported and compared with ONNX Runtime.</summary>
[TestFixture]
public sealed class ImportModelTests
{
    private static readonly object[] Cases =
        [.. new[] { "tiny_cnn", "basic_block", "fire" }.SelectMany(name => ImportCheck.TorchOpsets.Select(opset => new object[] { name, opset }))];

    [TestCaseSource(nameof(Cases))]
    public void A_PyTorch_export_imports_and_computes_what_ONNX_Runtime_computes(string name, int opset)
    {
        var model = Load(name, opset);

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[0].Type, Is.EqualTo("Input"));
        Assert.That(result.Weights.Layer, Is.Not.Empty);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.TorchOpsets))]
    public void The_tiny_CNN_folds_its_Pad_into_the_average_pooling(int opset)
    {
        var result = ImportCheck.Import(Load("tiny_cnn", opset));

        var types = ImportCheck.LayerTypes(result);
        Assert.That(types, Is.EqualTo(new[]
        {
            "Convolution", "ReLU", "BatchNorm", "Scale", "Pooling", "Pooling", "Concat", "Convolution", "Convolution",
            "Eltwise", "ReLU", "Pooling", "Flatten", "InnerProduct", "Softmax",
        }));
        var averages = result.Net.Layer.Where(l => l.PoolingParam?.Pool == Caffe.PoolingParameter.Types.PoolMethod.Ave).ToList();
        Assert.That(averages.Select(l => l.PoolingParam.Pad), Is.EqualTo(new[] { 1u, 0u }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.TorchOpsets))]
    public void The_residual_block_with_a_dynamic_batch_imports_at_the_batch_given(int opset)
    {
        var model = Load("basic_block", opset);
        var options = new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["input"] = [3, 8, 12, 12] } };

        var result = ImportCheck.AssertSameOutputs(model, options);

        Assert.That(result.Net.Layer[0].InputParam.Shape[0].Dim, Is.EqualTo(new long[] { 3, 8, 12, 12 }));
    }

    [Test]
    public void Every_model_file_is_small()
    {
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Fixtures.InRepository("tests", "data", "onnx", "make_models.py"))!, "*.onnx"))
        {
            Assert.That(new FileInfo(file).Length, Is.LessThan(200 * 1024), file);
        }
    }

    private static ModelProto Load(string name, int opset) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(Fixtures.InRepository("tests", "data", "onnx", $"{name}_opset{opset}.onnx")));
}
