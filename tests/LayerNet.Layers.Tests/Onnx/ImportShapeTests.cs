using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportShapeTests
{
    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Flatten_from_axis_1_is_Flatten(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Node("Flatten", "x", "y", Attr("axis", 1L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Flatten" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Flatten_from_axis_2_is_a_Reshape_to_two_axes(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Node("Flatten", "x", "y", Attr("axis", 2L)).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Reshape" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Flatten_from_axis_0_is_one_row(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Node("Flatten", "x", "y", Attr("axis", 0L)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Reshape_with_a_constant_shape_is_Reshape_with_its_zero_and_minus_one(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4, 5).Ints("shape", 0, -1, 10)
            .Node("Reshape", ["x", "shape"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ReshapeParam.Shape.Dim, Is.EqualTo(new long[] { 0, -1, 10 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Reshape_to_a_shape_computed_from_Shape_and_Gather_folds_the_shape(int opset)
    {
        // PyTorch's x.view(x.size(0), -1): Shape, Gather, Unsqueeze and Concat compute [N, -1].
        var builder = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Output("y")
            .Node("Shape", "x", "shape").ConstantNode("zero", [0f]);
        builder.Node("Cast", "zero", "index", Attr("to", 7L)).Node("Gather", ["shape", "index"], ["batch"]);
        builder.NodeWithList("Unsqueeze", ["batch"], ["batch_row"], "axes", [0], sinceOpset: 13);
        builder.Ints("minus_one", -1).Node("Concat", ["batch_row", "minus_one"], ["target"], null, Attr("axis", 0L));
        builder.Node("Reshape", ["x", "target"], ["y"]);

        var result = ImportCheck.AssertSameOutputs(builder.Build());

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Reshape" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Squeeze_of_given_axes_is_a_Reshape(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 1, 4, 1)
            .NodeWithList("Squeeze", ["x"], ["y"], "axes", [1, -1], sinceOpset: 13).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ReshapeParam.Shape.Dim, Is.EqualTo(new long[] { 0, 4 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Squeeze_without_axes_drops_every_axis_of_size_1(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 1, 3, 1, 4).Node("Squeeze", "x", "y").Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Unsqueeze_is_a_Reshape_with_axes_of_size_1(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3)
            .NodeWithList("Unsqueeze", ["x"], ["y"], "axes", [0, 3], sinceOpset: 13).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].ReshapeParam.Shape.Dim, Is.EqualTo(new long[] { 1, 2, 3, 1 }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Concat_is_Concat_on_the_same_axis(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3, 4).Input("b", 2, 5, 4).Input("c", 2, 1, 4)
            .Node("Concat", ["a", "b", "c"], ["y"], null, Attr("axis", 1L)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(nameof(NegativeAxisOpsets))]
    public void Concat_on_a_negative_axis_counts_from_the_end(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("a", 2, 3, 4).Input("b", 2, 3, 2)
            .Node("Concat", ["a", "b"], ["y"], null, Attr("axis", -1L)).Output("y").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Split_with_sizes_is_Slice_at_their_sums(int opset)
    {
        // The sizes are an attribute before opset 13, an input since.
        var model = new ImportModelBuilder(opset).Input("x", 2, 7, 3)
            .NodeWithList("Split", ["x"], ["a", "b", "c"], "split", [2, 4, 1], sinceOpset: 13, Attr("axis", 1L))
            .Output("a").Output("b").Output("c").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].SliceParam.SlicePoint, Is.EqualTo(new[] { 2u, 6u }));
    }

    // From operator set 18 a Split without sizes names its number of outputs (num_outputs: ImportLaterOpsetTests).
    private static IEnumerable<int> OpsetsBefore18 => ImportCheck.Opsets.Where(opset => opset < 18);

    [TestCaseSource(nameof(OpsetsBefore18))]
    public void Split_without_sizes_cuts_equal_parts(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 6, 4).Node("Split", ["x"], ["a", "b", "c"], null).Output("a").Output("b").Output("c").Build();

        ImportCheck.AssertSameOutputs(model);
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Slice_of_one_axis_is_Slice_with_the_rest_silenced(int opset)
    {
        var model = SliceModel(opset, starts: [1], ends: [-1], axes: [2]);

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Slice", "Silence" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Slice_from_the_start_cuts_once(int opset)
    {
        var model = SliceModel(opset, starts: [0], ends: [2], axes: [1]);

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer[1].SliceParam.SlicePoint, Is.EqualTo(new[] { 2u }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Slice_of_two_axes_is_two_Slices(int opset)
    {
        var model = SliceModel(opset, starts: [1, 0], ends: [long.MaxValue, 3], axes: [1, 3]);

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Slice", "Silence", "Slice", "Silence" }));
    }

    [Test]
    public void Slice_with_a_step_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 6).Ints("s", 0).Ints("e", 6).Ints("a", 1).Ints("st", 2)
            .Node("Slice", ["x", "s", "e", "a", "st"], ["y"], "slice").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'slice' (Slice): step 2 on axis 1"));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Tile_of_two_axes_is_two_Tile_layers(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3, 4).Ints("repeats", 1, 2, 3)
            .Node("Tile", ["x", "repeats"], ["y"]).Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Tile", "Tile" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Identity_and_Dropout_alias_their_input(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3).Node("Identity", "x", "a").Node("Dropout", "a", "b").Node("Relu", "b", "y").Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ReLU" }));
        Assert.That(result.Net.Layer[1].Bottom, Is.EqualTo(new[] { "x" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void An_Identity_that_is_a_graph_output_is_a_Split_naming_it(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3).Node("Relu", "x", "r").Node("Identity", "r", "y").Output("y").Output("r").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "ReLU", "Split" }));
    }

    [TestCaseSource(typeof(ImportCheck), nameof(ImportCheck.Opsets))]
    public void Cast_of_a_float_to_float_aliases_it(int opset)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3).Node("Cast", "x", "c", Attr("to", 1L)).Node("Sigmoid", "c", "y").Output("y").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(ImportCheck.LayerTypes(result), Is.EqualTo(new[] { "Sigmoid" }));
    }

    [Test]
    public void Cast_to_an_integer_type_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Node("Cast", ["x"], ["y"], "cast", Attr("to", 7L)).Output("y", global::Onnx.TensorProto.Types.DataType.Int64).Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'cast' (Cast): a cast to Int64"));
    }

    private static global::Onnx.ModelProto SliceModel(int opset, long[] starts, long[] ends, long[] axes)
    {
        var builder = new ImportModelBuilder(opset).Input("x", 2, 3, 5, 4).Output("y");
        if (opset < 10)
        {
            return builder.Node("Slice", "x", "y", Attr("starts", starts), Attr("ends", ends), Attr("axes", axes)).Build();
        }

        return builder.Ints("starts", starts).Ints("ends", ends).Ints("axes", axes).Node("Slice", ["x", "starts", "ends", "axes"], ["y"]).Build();
    }

    private static readonly int[] NegativeAxisOpsets = [11, 13, 17];
}
