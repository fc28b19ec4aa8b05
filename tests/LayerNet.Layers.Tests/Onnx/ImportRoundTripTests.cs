using LayerNet.Layers.Onnx;
using LayerNet.Onnx;
using LayerNet.Testing;
using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>Caffe nets exported by LayerNet's exporters and imported back compute the original net's outputs.</summary>
[TestFixture]
public sealed class ImportRoundTripTests
{
    private static readonly int[] ExportOpsets = [13, 17];

    [TestCaseSource(nameof(ExportOpsets))]
    public void Convolution_pooling_inner_product_and_softmax(int opset)
    {
        var result = RoundTrip([2, 3, 12, 12], """
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 6 kernel_size: 3 pad: 1 } }
            layer { name: "relu" type: "ReLU" bottom: "conv" top: "relu" }
            layer { name: "pool" type: "Pooling" bottom: "relu" top: "pool" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip" inner_product_param { num_output: 10 } }
            layer { name: "prob" type: "Softmax" bottom: "ip" top: "prob" }
            """, opset);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Convolution", "ReLU", "Pooling", "Flatten", "InnerProduct", "Softmax" }));
    }

    [TestCaseSource(nameof(ExportOpsets))]
    public void Average_pooling_with_a_pad_and_an_overshooting_window_eltwise_batch_norm_scale_and_concat(int opset)
    {
        // The pooling: ceil((8 + 2 - 3) / 2) + 1 = 5 windows over 8 + 2 padded rows, the last one past the pad.
        var result = RoundTrip([2, 3, 8, 8], """
            layer { name: "conv_a" type: "Convolution" bottom: "data" top: "a" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "bn" type: "BatchNorm" bottom: "a" top: "bn" }
            layer { name: "scale" type: "Scale" bottom: "bn" top: "scaled" scale_param { bias_term: true } }
            layer { name: "relu" type: "ReLU" bottom: "scaled" top: "b" }
            layer { name: "conv_c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 1 } }
            layer { name: "sum" type: "Eltwise" bottom: "b" bottom: "c" top: "sum" eltwise_param { operation: SUM coeff: 1 coeff: -0.5 } }
            layer { name: "product" type: "Eltwise" bottom: "sum" bottom: "c" top: "product" eltwise_param { operation: PROD } }
            layer { name: "cat" type: "Concat" bottom: "product" bottom: "b" top: "cat" }
            layer { name: "pool" type: "Pooling" bottom: "cat" top: "pool" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
            """, opset);

        var pooling = result.Net.Layer.Single(l => l.Type == "Pooling").PoolingParam;
        Assert.That((pooling.Pad, pooling.KernelSize, pooling.Stride), Is.EqualTo((1u, 3u, 2u)));
    }

    [TestCase("AVE", "kernel_size: 3 stride: 2 pad: 1")]
    [TestCase("AVE", "kernel_size: 3 stride: 1 pad: 1")]
    [TestCase("AVE", "kernel_size: 2 stride: 2 pad: 1")]
    [TestCase("AVE", "kernel_size: 3 stride: 2")]
    [TestCase("MAX", "kernel_size: 3 stride: 2 pad: 1")]
    [TestCase("MAX", "kernel_size: 3 stride: 2")]
    [TestCase("MAX", "kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0")]
    public void Pooling(string method, string parameters)
    {
        var result = RoundTrip([1, 2, 9, 8], $"layer {{ name: \"pool\" type: \"Pooling\" bottom: \"data\" top: \"pool\" pooling_param {{ pool: {method} {parameters} }} }}");

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Pooling" }));
    }

    [TestCase("type: \"ReLU\" relu_param { negative_slope: 0.1 }")]
    [TestCase("type: \"PReLU\"")]
    [TestCase("type: \"ELU\" elu_param { alpha: 0.5 }")]
    [TestCase("type: \"Sigmoid\"")]
    [TestCase("type: \"TanH\"")]
    [TestCase("type: \"AbsVal\"")]
    [TestCase("type: \"BNLL\"")]
    [TestCase("type: \"Power\" power_param { power: 2 scale: 0.5 shift: 1.5 }")]
    [TestCase("type: \"Clip\" clip_param { min: -0.2 max: 0.3 }")]
    [TestCase("type: \"LRN\" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 }")]
    [TestCase("type: \"Deconvolution\" convolution_param { num_output: 3 kernel_size: 2 stride: 2 }")]
    [TestCase("type: \"Convolution\" convolution_param { num_output: 4 kernel_size: 3 group: 2 stride: 2 dilation: 2 pad: 2 }")]
    [TestCase("type: \"Scale\" scale_param { bias_term: true }")]
    [TestCase("type: \"Bias\"")]
    [TestCase("type: \"Flatten\"")]
    [TestCase("type: \"Reshape\" reshape_param { shape { dim: 0 dim: -1 } }")]
    [TestCase("type: \"Softmax\" softmax_param { axis: 1 }")]
    [TestCase("type: \"Pooling\" pooling_param { pool: AVE global_pooling: true }")]
    [TestCase("type: \"InnerProduct\" inner_product_param { num_output: 5 }")]
    [TestCase("type: \"ArgMax\" argmax_param { axis: 1 }")]
    [TestCase("type: \"ArgMax\" argmax_param { axis: 1 top_k: 2 out_max_val: true }")]
    [TestCase("type: \"ArgMax\" argmax_param { top_k: 2 }")]
    [TestCase("type: \"Reduction\" reduction_param { operation: SUMSQ axis: 2 }")]
    [TestCase("type: \"Reduction\" reduction_param { operation: MEAN axis: 1 coeff: 2 }")]
    [TestCase("type: \"Tile\" tile_param { axis: 2 tiles: 3 }")]
    [TestCase("type: \"Exp\" exp_param { base: 2 scale: 0.5 shift: 1 }")]
    [TestCase("type: \"Log\" log_param { base: 10 scale: 2 shift: 3 }")]
    [TestCase("type: \"Threshold\" threshold_param { threshold: 0.2 }")]
    [TestCase("type: \"MVN\"")]
    [TestCase("type: \"Swish\"")]
    [TestCase("type: \"Dropout\"")]
    [TestCase("type: \"Split\"")]
    [TestCase("type: \"Scale\" scale_param { axis: 2 num_axes: 2 }")]
    [TestCase("type: \"Slice\" slice_param { axis: 1 slice_point: 1 } top: \"out2\"")]
    public void One_layer(string layer)
    {
        RoundTrip([2, 4, 6, 6], $"layer {{ name: \"layer\" bottom: \"data\" top: \"out\" {layer} }}");
    }

    private static OnnxImportResult RoundTrip(int[] shape, string layers, int opset = OnnxExportOptions.DefaultOpset) => RoundTrip(Net(shape, layers), opset);

    // OnnxCheck.Export parses the model back from its bytes already; the imported net is built from the result as it is
    // (a large net's weights through bytes again would double the test's time).
    private static OnnxImportResult RoundTrip(LayerNet.Nets.Net original, int opset)
    {
        OnnxCheck.FillInputs(original);
        var model = OnnxCheck.Export(original, new OnnxExportOptions { Opset = opset });
        var result = OnnxImport.Import(model, ImportCheck.Layers);
        var imported = ImportCheck.Build(result, throughBytes: false);
        foreach (var input in original.Inputs)
        {
            input.Data.CopyTo(imported.Blob(input.Name).Data);
        }

        original.Forward();
        imported.Forward();
        foreach (var output in original.Outputs)
        {
            var blob = imported.Blob(output.Name);
            OnnxCheck.AssertClose(output.Name, blob.Data.ToArray(), [.. blob.Shape], output.Data.ToArray(), [.. output.Shape]);
        }

        return result;
    }
}
