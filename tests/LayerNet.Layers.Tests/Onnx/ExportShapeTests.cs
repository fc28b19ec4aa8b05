using static LayerNet.Layers.Tests.Onnx.ExportAssert;

namespace LayerNet.Layers.Tests.Onnx;

/// <summary>
/// Flatten, Reshape, Crop, Tile, Reduction, ArgMax, MVN, Embed, BatchReindex and Parameter exported to ONNX give
/// LayerNet's outputs (and shapes) in ONNX Runtime.
/// </summary>
[TestFixture]
public sealed class ExportShapeTests
{
    private static readonly int[] Image = [2, 3, 4, 5];

    [Test]
    public void Flatten_from_axis_1_to_the_end_is_Flatten()
    {
        var model = Same(Image, "layer { name: \"flat\" type: \"Flatten\" bottom: \"data\" top: \"out\" }");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Flatten" }));
    }

    [TestCase("axis: 2")]
    [TestCase("axis: 1 end_axis: 2")]
    [TestCase("axis: 0")]
    [TestCase("axis: 0 end_axis: 1")]
    [TestCase("axis: -2 end_axis: -1")]
    [TestCase("axis: 2 end_axis: 2")]
    public void Flatten_of_other_axes_is_Reshape(string parameters)
    {
        var model = Same(Image, $"layer {{ name: \"flat\" type: \"Flatten\" bottom: \"data\" top: \"out\" flatten_param {{ {parameters} }} }}");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Reshape" }));
    }

    [TestCase("shape { dim: 0 dim: -1 }")]
    [TestCase("shape { dim: 0 dim: 3 dim: 20 }")]
    [TestCase("shape { dim: -1 dim: 5 }")]
    [TestCase("shape { dim: 0 dim: 0 dim: 2 dim: -1 }")]
    [TestCase("shape { dim: 2 dim: 2 } axis: 2 num_axes: 1")]
    [TestCase("shape { dim: 1 dim: -1 } axis: 1 num_axes: 2")]
    [TestCase("shape { dim: 1 } axis: -1 num_axes: 0")]
    [TestCase("shape { dim: 1 dim: 1 } axis: 0 num_axes: 0")]
    [TestCase("shape { dim: 0 dim: -1 } axis: 1")]
    [TestCase("shape { dim: -1 } axis: 1 num_axes: -1")]
    [TestCase("shape { dim: 120 }")]
    public void Reshape_by_Caffes_rules(string parameters)
    {
        var model = Same(Image, $"layer {{ name: \"view\" type: \"Reshape\" bottom: \"data\" top: \"out\" reshape_param {{ {parameters} }} }}");

        Assert.That(Operators(model), Is.EqualTo(new[] { "Reshape" }));
    }

    [TestCase("")]
    [TestCase("crop_param { axis: 2 offset: 1 }")]
    [TestCase("crop_param { axis: 1 offset: 0 offset: 1 offset: 2 }")]
    [TestCase("crop_param { axis: -1 offset: 2 }")]
    [TestCase("crop_param { axis: 0 offset: 1 }")]
    public void Crop_to_the_second_bottoms_shape(string parameters) =>
        OnnxCheck.AssertSameOutputs(OnnxCheck.Build(
            Input([3, 4, 6, 7]) + Input("like", [2, 2, 3, 4]) +
            $"layer {{ name: \"crop\" type: \"Crop\" bottom: \"data\" bottom: \"like\" top: \"out\" {parameters} }}"));

    [Test]
    public void Crop_that_cuts_nothing_is_the_identity()
    {
        var model = OnnxCheck.AssertSameOutputs(OnnxCheck.Build(
            Input([2, 3, 4]) + Input("like", [2, 3, 4]) +
            "layer { name: \"crop\" type: \"Crop\" bottom: \"data\" bottom: \"like\" top: \"out\" crop_param { axis: 1 } }"));

        Assert.That(Operators(model), Is.EqualTo(new[] { "Identity" }));
    }

    [TestCase(0, 2)]
    [TestCase(1, 3)]
    [TestCase(-1, 2)]
    [TestCase(2, 1)]
    public void Tile_repeats_the_axes_from_its_axis_whole(int axis, int tiles) =>
        Same(Image, $"layer {{ name: \"tile\" type: \"Tile\" bottom: \"data\" top: \"out\" tile_param {{ axis: {axis} tiles: {tiles} }} }}");

    private static IEnumerable<TestCaseData> Reductions() =>
        from opset in new[] { 13, 17, 18, 21 }
        from operation in new[] { "SUM", "ASUM", "SUMSQ", "MEAN" }
        from axis in new[] { 0, 1, -1 }
        select new TestCaseData(opset, operation, axis, axis == 1 ? 0.5f : 1f);

    [TestCaseSource(nameof(Reductions))]
    public void Reduction_over_the_axes_from_axis_on(int opset, string operation, int axis, float coeff)
    {
        var model = Same(Image, $"layer {{ name: \"reduce\" type: \"Reduction\" bottom: \"data\" top: \"out\" reduction_param {{ operation: {operation} axis: {axis} coeff: {coeff} }} }}", opset);

        var reduce = model.Graph.Node[0];
        var axesAsInput = operation == "SUM" || opset >= 18;
        Assert.That(reduce.Input, Has.Count.EqualTo(axesAsInput ? 2 : 1));
        Assert.That(IntsAttribute(reduce, "axes"), axesAsInput ? Is.Null : Is.Not.Null);
        Assert.That(Operators(model), Has.Length.EqualTo(coeff == 1f ? 1 : 2));
    }

    private static IEnumerable<TestCaseData> ArgMaxes() =>
        from axis in new[] { "", "axis: 1", "axis: -1", "axis: 0" }
        from topK in new[] { 1, 3 }
        from outMaxVal in new[] { false, true }
        from opset in new[] { 13, 18 }
        select new TestCaseData(axis, topK, outMaxVal, opset);

    [TestCaseSource(nameof(ArgMaxes))]
    public void ArgMax_in_every_mode(string axis, int topK, bool outMaxVal, int opset) =>
        Same([3, 4, 3, 3], $"layer {{ name: \"top\" type: \"ArgMax\" bottom: \"data\" top: \"out\" argmax_param {{ top_k: {topK} out_max_val: {(outMaxVal ? "true" : "false")} {axis} }} }}", opset);

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    public void ArgMax_of_items_of_any_rank_pads_the_top_to_three_axes(int rank)
    {
        int[] shape = [.. new[] { 2, 3, 4, 2, 2 }.Take(rank)];
        Same(shape, "layer { name: \"top\" type: \"ArgMax\" bottom: \"data\" top: \"out\" argmax_param { top_k: 2 out_max_val: true } }");
    }

    [Test]
    public void ArgMax_gives_ties_to_the_larger_index_as_Caffe()
    {
        var net = Net([2, 6], "layer { name: \"top\" type: \"ArgMax\" bottom: \"data\" top: \"out\" argmax_param { axis: 1 } }");

        SameOn(net, n => new[] { 1f, 3f, 0f, 3f, 2f, 3f, 5f, 5f, 1f, 0f, 5f, -1f }.CopyTo(n.Blob("data").Data));

        Assert.That(net.Blob("out").Data.ToArray(), Is.EqualTo(new[] { 5f, 4f }));
    }

    private static IEnumerable<TestCaseData> Normalizations() =>
        from shape in new[] { new[] { 2, 3, 4, 5 }, new[] { 2, 3, 6 }, new[] { 3, 5 } }
        from across in new[] { false, true }
        from variance in new[] { false, true }
        select new TestCaseData(shape, across, variance);

    [TestCaseSource(nameof(Normalizations))]
    public void MVN_normalises_each_row_as_Caffe(int[] shape, bool across, bool variance) =>
        Same(shape, $"layer {{ name: \"mvn\" type: \"MVN\" bottom: \"data\" top: \"out\" mvn_param {{ across_channels: {(across ? "true" : "false")} normalize_variance: {(variance ? "true" : "false")} eps: 0.01 }} }}");

    [TestCase(13)]
    [TestCase(18)]
    public void MVN_at_both_forms_of_ReduceMean(int opset) =>
        Same(Image, "layer { name: \"mvn\" type: \"MVN\" bottom: \"data\" top: \"out\" }", opset);

    [TestCase(true)]
    [TestCase(false)]
    public void Embed_gathers_the_rows_at_the_indices(bool biasTerm)
    {
        var net = Net([2, 3], $"layer {{ name: \"embed\" type: \"Embed\" bottom: \"data\" top: \"out\" embed_param {{ num_output: 4 input_dim: 5 bias_term: {(biasTerm ? "true" : "false")} }} }}");

        var model = SameOn(net, n => new[] { 0f, 4f, 2f, 1f, 3f, 4f }.CopyTo(n.Blob("data").Data));

        Assert.That(Operators(model), Is.EqualTo(biasTerm ? new[] { "Cast", "Gather", "Add" } : new[] { "Cast", "Gather" }));
    }

    [Test]
    public void BatchReindex_gathers_items_at_the_indices()
    {
        var net = OnnxCheck.Build(Input([3, 2, 2]) + Input("picks", [4]) +
            "layer { name: \"pick\" type: \"BatchReindex\" bottom: \"data\" bottom: \"picks\" top: \"out\" }");

        SameOn(net, n =>
        {
            OnnxCheck.FillInputs(n);
            new[] { 2f, 0f, 2.5f, 1f }.CopyTo(n.Blob("picks").Data);
        });
    }

    [Test]
    public void Parameter_is_an_identity_of_its_blob()
    {
        var model = Same([2, 3], """
            layer { name: "p" type: "Parameter" top: "p" parameter_param { shape { dim: 2 dim: 3 } } }
            layer { name: "sum" type: "Eltwise" bottom: "data" bottom: "p" top: "out" eltwise_param { operation: SUM } }
            """);

        Assert.That(model.Graph.Initializer.Select(i => i.Name), Does.Contain("p/parameter"));
    }
}
