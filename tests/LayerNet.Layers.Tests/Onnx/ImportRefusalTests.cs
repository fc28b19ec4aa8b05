using Google.Protobuf;
using LayerNet.Layers.Onnx;
using Onnx;
using static LayerNet.Layers.Tests.Onnx.ImportModelBuilder;

namespace LayerNet.Layers.Tests.Onnx;

[TestFixture]
public sealed class ImportRefusalTests
{
    [Test]
    public void An_operator_without_a_Caffe_layer_is_named_by_node_and_type()
    {
        var model = new ImportModelBuilder(13).Input("x", 1, 2, 4, 4).Node("Relu", "x", "r")
            .Ints("sizes", 1, 2, 8, 8).Node("Resize", ["r", "", "", "sizes"], ["y"], "Conv_12").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'Conv_12' (Resize): no Caffe layer computes it; LayerNet maps "));
    }

    [Test]
    public void Transpose_is_refused_by_name()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3, 4).Node("Transpose", ["x"], ["y"], "swap", Attr("perm", 0, 2, 1)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'swap' (Transpose): no Caffe layer computes it"));
    }

    [Test]
    public void The_first_node_that_does_not_map_is_the_one_named()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3, 4).Node("Transpose", ["x"], ["t"], "first", Attr("perm", 0, 2, 1))
            .Node("Resize", ["t"], ["y"], "second").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'first' (Transpose)"));
    }

    [Test]
    public void An_unnamed_node_is_named_by_its_position()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3, 4).Node("Relu", "x", "r").Output("y").Build();
        model.Graph.Node.Add(new NodeProto { OpType = "Erf", Input = { "r" }, Output = { "y" } });

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node #1 (Erf): no Caffe layer computes it"));
    }

    [Test]
    public void An_operator_from_another_domain_is_refused()
    {
        var builder = new ImportModelBuilder(13).Input("x", 2, 3).Output("y");
        builder.ExtraOpsets.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        var model = builder.Node("Gelu", ["x"], ["y"], "gelu").Build();
        model.Graph.Node[0].Domain = "com.microsoft";

        Assert.That(ImportCheck.Refusal(model).Message, Is.EqualTo("node 'gelu' (Gelu): the operator is from domain 'com.microsoft'; LayerNet imports only the standard ONNX operators (domain ai.onnx)"));
    }

    [TestCase(8, "the model uses operator set 8; LayerNet imports operator sets 9 to 23")]
    [TestCase(24, "the model uses operator set 24, newer than LayerNet knows")]
    public void An_operator_set_outside_9_to_23_is_refused(int opset, string message)
    {
        var model = new ImportModelBuilder(opset).Input("x", 2, 3).Node("Relu", "x", "y").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith(message));
    }

    [Test]
    public void Model_local_functions_are_refused()
    {
        var model = new ImportModelBuilder(17).Input("x", 2, 3).Node("Relu", "x", "y").Output("y").Build();
        model.Functions.Add(new FunctionProto { Name = "MyGelu", Domain = "local" });

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("the model defines 1 function(s) (the first is 'MyGelu')"));
    }

    [Test]
    public void An_input_that_is_not_float_is_refused()
    {
        var model = new ImportModelBuilder(13).Input("ids", TensorProto.Types.DataType.Int64, 2, 3).Node("Cast", ["ids"], ["y"], null, Attr("to", 1L)).Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("graph input 'ids' is of type Int64"));
    }

    [Test]
    public void An_input_without_a_shape_is_refused_unless_the_options_give_one()
    {
        var model = new ImportModelBuilder(13).UnshapedInput("x").Node("Relu", "x", "y").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("graph input 'x' has no shape in the model"));
        var result = ImportCheck.AssertSameOutputs(model, new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [2, 5] } });
        Assert.That(result.Net.Layer[0].InputParam.Shape[0].Dim, Is.EqualTo(new long[] { 2, 5 }));
    }

    [Test]
    public void A_symbolic_batch_is_1_unless_the_options_give_it()
    {
        var model = new ImportModelBuilder(13).SymbolicInput("x", "N", 3, 4).Random("w", [4, 2])
            .Node("MatMul", ["x", "w"], ["y"]).Output("y").Build();

        Assert.That(ImportCheck.Import(model).Net.Layer[0].InputParam.Shape[0].Dim, Is.EqualTo(new long[] { 1, 3, 4 }));
        var result = ImportCheck.AssertSameOutputs(model, new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [5, 3, 4] } });
        Assert.That(result.Net.Layer[0].InputParam.Shape[0].Dim, Is.EqualTo(new long[] { 5, 3, 4 }));
    }

    [Test]
    public void Input_shapes_that_name_no_input_are_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Node("Relu", "x", "y").Output("y").Build();

        var error = ImportCheck.Refusal(model, new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["data"] = [2, 3] } });

        Assert.That(error.Message, Is.EqualTo("the input shapes name 'data', which is not an input of the graph (its inputs: 'x')"));
    }

    [Test]
    public void Input_shapes_that_contradict_the_model_are_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Node("Relu", "x", "y").Output("y").Build();

        var error = ImportCheck.Refusal(model, new OnnxImportOptions { InputShapes = new Dictionary<string, int[]> { ["x"] = [2, 4] } });

        Assert.That(error.Message, Does.StartWith("the input shape [2, 4] given for 'x' disagrees with the model's [2, 3]"));
    }

    [Test]
    public void A_missing_initializer_is_named()
    {
        var model = new ImportModelBuilder(13).Input("x", 1, 2, 5, 5).Node("Conv", ["x", "conv1.weight"], ["y"], "conv1").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Is.EqualTo("node 'conv1' (Conv): input 'conv1.weight' is neither a graph input, an initializer nor the output of an earlier node"));
    }

    [Test]
    public void Weights_computed_by_the_graph_are_refused()
    {
        var model = new ImportModelBuilder(13).Input("x", 1, 2, 5, 5).Input("w", 3, 2, 3, 3).Node("Conv", ["x", "w"], ["y"], "conv1").Output("y").Build();

        Assert.That(ImportCheck.Refusal(model).Message, Does.StartWith("node 'conv1' (Conv): input 1 (the weights, 'w') is computed by the graph"));
    }

    [Test]
    public void A_constant_graph_output_is_held_by_a_parameter_layer()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Node("Relu", "x", "y").ConstantNode("c", [1f, 2f], 2).Output("y").Output("c").Build();

        var result = ImportCheck.AssertSameOutputs(model);

        Assert.That(result.Net.Layer.Single(l => l.Top.Contains("c")).Type, Is.EqualTo("Parameter"));
    }

    [Test]
    public void A_truncated_file_does_not_parse()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Random("w", [3, 4]).Node("MatMul", ["x", "w"], ["y"]).Output("y").Build();
        var bytes = model.ToByteArray();

        Assert.Throws<InvalidProtocolBufferException>(() => ModelProto.Parser.ParseFrom(bytes.AsSpan(0, bytes.Length - 9).ToArray()));
    }

    [Test]
    public void Layers_are_named_after_unique_node_names_else_operator_and_position()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3)
            .Node("Relu", ["x"], ["a"], "act").Node("Sigmoid", ["a"], ["b"], "twice").Node("Tanh", ["b"], ["y"], "twice").Output("y").Build();

        // ONNX Runtime refuses a model with two nodes of one name; LayerNet imports it.
        var result = ImportCheck.Import(model);
        ImportCheck.Build(result);

        Assert.That(result.Net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "x", "act", "Sigmoid_1", "Tanh_2" }));
        Assert.That(result.Net.Layer.Select(l => string.Join(",", l.Top)), Is.EqualTo(new[] { "x", "a", "b", "y" }));
    }

    [Test]
    public void The_net_is_named_after_the_graph_unless_the_options_name_it()
    {
        var model = new ImportModelBuilder(13).Input("x", 2, 3).Node("Relu", "x", "y").Output("y").Build();

        Assert.That(ImportCheck.Import(model).Net.Name, Is.EqualTo("imported"));
        Assert.That(ImportCheck.Import(model, new OnnxImportOptions { NetName = "deploy" }).Net.Name, Is.EqualTo("deploy"));
    }
}
