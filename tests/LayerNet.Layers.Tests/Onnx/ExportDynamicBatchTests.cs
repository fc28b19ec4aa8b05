using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Models exported with a dynamic batch, from nets built at batch 1, run in ONNX Runtime at batch 3 and give every
/// copy of the input the net's output: no exporter bakes the batch into a shape it writes.
/// </summary>
[TestFixture]
public sealed class ExportDynamicBatchTests
{
    private const string LeNet = """
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 5 } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 6 kernel_size: 3 pad: 1 } }
        layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "conv2" }
        layer { name: "scale2" type: "Scale" bottom: "conv2" top: "conv2" scale_param { bias_term: true } }
        layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 10 } }
        layer { name: "prob" type: "Softmax" bottom: "ip1" top: "prob" }
        """;

    [TestCase(13)]
    [TestCase(17)]
    [TestCase(21)]
    public void A_small_convolutional_net_at_every_opset(int opset)
    {
        var model = SameAtBatch(Net([1, 1, 16, 16], LeNet), opset: opset);

        Assert.That(model.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam, Is.EqualTo("N"));
    }

    private static IEnumerable<TestCaseData> Layers() => new (string Name, int[] Shape, string Text)[]
    {
        ("convolution, channel axis 2", [1, 2, 3, 6, 6], "layer { name: \"l\" type: \"Convolution\" bottom: \"data\" top: \"out\" convolution_param { num_output: 2 kernel_size: 3 axis: 2 } }"),
        ("deconvolution", [1, 2, 4, 4], "layer { name: \"l\" type: \"Deconvolution\" bottom: \"data\" top: \"out\" convolution_param { num_output: 3 kernel_size: 3 stride: 2 } }"),
        ("pooling with a mask", [1, 2, 7, 7], "layer { name: \"l\" type: \"Pooling\" bottom: \"data\" top: \"out\" top: \"mask\" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }"),
        ("pooling, empty windows", [1, 2, 6, 6], "layer { name: \"l\" type: \"Pooling\" bottom: \"data\" top: \"out\" pooling_param { pool: AVE kernel_size: 2 stride: 3 } }"),
        ("pooling, explicit pad", [1, 2, 8, 8], "layer { name: \"l\" type: \"Pooling\" bottom: \"data\" top: \"out\" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }"),
        ("LRN within channel", [1, 3, 5, 5], "layer { name: \"l\" type: \"LRN\" bottom: \"data\" top: \"out\" lrn_param { norm_region: WITHIN_CHANNEL local_size: 3 } }"),
        ("SPP", [1, 2, 7, 7], "layer { name: \"l\" type: \"SPP\" bottom: \"data\" top: \"out\" spp_param { pyramid_height: 2 } }"),
        ("Im2col", [1, 2, 5, 5], "layer { name: \"l\" type: \"Im2col\" bottom: \"data\" top: \"out\" convolution_param { kernel_size: 3 pad: 1 } }"),
        ("inner product, axis 2", [1, 3, 4, 5], "layer { name: \"l\" type: \"InnerProduct\" bottom: \"data\" top: \"out\" inner_product_param { num_output: 2 axis: 2 } }"),
        ("inner product of a matrix", [1, 7], "layer { name: \"l\" type: \"InnerProduct\" bottom: \"data\" top: \"out\" inner_product_param { num_output: 2 transpose: true } }"),
        ("batch norm, batch statistics", [1, 3, 4, 4], "layer { name: \"l\" type: \"BatchNorm\" bottom: \"data\" top: \"out\" batch_norm_param { use_global_stats: false } }"),
        ("flatten axis 2", [1, 3, 4, 5], "layer { name: \"l\" type: \"Flatten\" bottom: \"data\" top: \"out\" flatten_param { axis: 2 } }"),
        ("reshape 0 -1", [1, 3, 4, 5], "layer { name: \"l\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param { shape { dim: 0 dim: -1 } } }"),
        ("reshape inside", [1, 3, 4, 5], "layer { name: \"l\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param { shape { dim: 2 dim: 2 } axis: 2 num_axes: 1 } }"),
        ("reshape 0 0 -1 at axis 0", [1, 3, 4, 5], "layer { name: \"l\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param { shape { dim: 0 dim: 0 dim: -1 } } }"),
        ("tile", [1, 3, 4], "layer { name: \"l\" type: \"Tile\" bottom: \"data\" top: \"out\" tile_param { axis: 1 tiles: 2 } }"),
        ("reduction", [1, 3, 4], "layer { name: \"l\" type: \"Reduction\" bottom: \"data\" top: \"out\" reduction_param { operation: SUMSQ axis: 1 } }"),
        ("argmax of items", [1, 3, 4], "layer { name: \"l\" type: \"ArgMax\" bottom: \"data\" top: \"out\" argmax_param { top_k: 2 out_max_val: true } }"),
        ("MVN of three axes", [1, 3, 6], "layer { name: \"l\" type: \"MVN\" bottom: \"data\" top: \"out\" mvn_param { across_channels: true } }"),
        ("power, constant", [1, 3], "layer { name: \"l\" type: \"Power\" bottom: \"data\" top: \"out\" power_param { power: 0 } }"),
        ("slice at points", [1, 5, 2], "layer { name: \"l\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" slice_param { slice_point: 2 } }"),
        ("slice into equal pieces", [1, 6, 2], "layer { name: \"l\" type: \"Slice\" bottom: \"data\" top: \"a\" top: \"b\" top: \"c\" }"),
        ("PReLU", [1, 3, 2, 2], "layer { name: \"l\" type: \"PReLU\" bottom: \"data\" top: \"out\" }"),
    }.Select(c => new TestCaseData(c.Shape, c.Text).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(Layers))]
    public void A_layer_at_another_batch(int[] shape, string layer)
    {
        SameAtBatch(Net(shape, layer), opset: 13);
        SameAtBatch(Net(shape, layer), opset: 21);
    }

    [TestCase("axis: 0", 0)]
    [TestCase("axis: 0 end_axis: 1", 0)]
    public void Flatten_merging_the_batch_infers_its_dimension(string parameters, int batchAxis) =>
        SameAtBatch(Net([1, 3, 4], $"layer {{ name: \"l\" type: \"Flatten\" bottom: \"data\" top: \"out\" flatten_param {{ {parameters} }} }}"), batchAxis: batchAxis);

    [TestCase("shape { dim: -1 dim: 4 }", 0)]
    [TestCase("shape { dim: 1 dim: 1 } axis: 0 num_axes: 0", 2)]
    public void Reshape_that_moves_or_merges_the_batch_infers_its_dimension(string parameters, int batchAxis) =>
        SameAtBatch(Net([1, 3, 4], $"layer {{ name: \"l\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param {{ {parameters} }} }}"), batchAxis: batchAxis);

    [Test]
    public void Layers_with_two_batched_bottoms() =>
        SameAtBatch(OnnxCheck.Build(Input([1, 3, 6, 6]) + Input("other", [1, 3, 4, 4]) + """
            layer { name: "crop" type: "Crop" bottom: "data" bottom: "other" top: "crop" crop_param { offset: 1 } }
            layer { name: "scale" type: "Scale" bottom: "crop" bottom: "other" top: "scaled" scale_param { axis: 0 } }
            layer { name: "bias" type: "Bias" bottom: "scaled" bottom: "other" top: "out" bias_param { axis: 0 } }
            """));
}
