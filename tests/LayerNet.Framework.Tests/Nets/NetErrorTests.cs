using LayerNet.Solvers;
using LayerNet.Nets;
using Caffe;
using LayerNet.Errors;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>Mistakes in a model file: each error names the place (file, line, column), the layer and what is wrong.</summary>
public sealed class NetErrorTests
{
    private static LayerNetException BuildFails(string text) => Assert.Throws<LayerNetException>(() => TestNets.Build(text))!;

    private static void AssertAt(LayerNetException error, string text, string marker)
    {
        var line = TestNets.LineOf(text, marker);
        var column = TestNets.ColumnOf(text, "layer {", line);
        Assert.That(error.Position, Is.Not.Null, error.Message);
        Assert.That((error.Position!.Value.File, error.Position.Value.Line, error.Position.Value.Column), Is.EqualTo((TestNets.FileName, line, column)), error.Message);
        Assert.That(error.Message, Does.StartWith($"net.prototxt({line},{column}): "));
    }

    [Test]
    public void An_unknown_bottom_names_the_layer_and_suggests_the_nearest_blob()
    {
        var text = """
            name: "errors"
            layer { name: "data" type: "DummyData" top: "data" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "dta" top: "ip" inner_product_param { num_output: 1 } }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"ip\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'ip' (InnerProduct): unknown bottom blob 'dta' (bottom 0); no earlier layer produces it; did you mean 'data'?"));
    }

    [Test]
    public void A_bottom_produced_only_by_a_later_layer_is_unknown()
    {
        var text = """
            layer { name: "sig" type: "Sigmoid" bottom: "x" top: "y" }
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 1 } } }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"sig\"");
        Assert.That(error.Detail, Does.StartWith("layer 'sig' (Sigmoid): unknown bottom blob 'x' (bottom 0)"));
    }

    [Test]
    public void A_top_reused_other_than_in_place_is_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" top: "y" dummy_data_param { shape { dim: 2 } } }
            layer { name: "sig" type: "Sigmoid" bottom: "y" top: "x" }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"sig\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'sig' (Sigmoid): top blob 'x' is already produced by an earlier layer; a top may reuse a name only in place (as the bottom of the same index)"));
    }

    [Test]
    public void A_wrong_number_of_bottoms_names_the_expected_count()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "a" top: "b" dummy_data_param { shape { dim: 2 } } }
            layer { name: "sig" type: "Sigmoid" bottom: "a" bottom: "b" top: "c" }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"sig\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'sig' (Sigmoid): expected 1 bottom blob, got 2"));
    }

    [Test]
    public void Bottoms_of_mismatched_shapes_name_both_shapes()
    {
        var text = """
            layer { name: "pred" type: "DummyData" top: "pred" dummy_data_param { shape { dim: 64 dim: 10 } } }
            layer { name: "target" type: "DummyData" top: "target" dummy_data_param { shape { dim: 64 dim: 11 } } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "pred" bottom: "target" top: "loss" }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"loss\"");
        Assert.That(error.Detail, Does.StartWith("layer 'loss' (EuclideanLoss): "));
        Assert.That(error.Detail, Does.Contain("'pred' (64 10 (640))").And.Contain("'target' (64 11 (704))"));
    }

    [Test]
    public void Weights_in_the_model_file_of_the_wrong_shape_are_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 bias_term: false } blobs { shape { dim: 2 dim: 4 } data: 1 data: 2 data: 3 data: 4 data: 5 data: 6 data: 7 data: 8 } }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"ip\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'ip' (InnerProduct): weight shape mismatch: the layer needs 2 3 (6), the given blob has 2 4 (8)"));
    }

    [Test]
    public void An_unknown_layer_type_lists_the_registered_types_and_the_nearest()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProdcut" bottom: "x" top: "y" }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"ip\"");
        Assert.That(error.Detail, Does.StartWith("layer 'ip' has unknown type 'InnerProdcut'; did you mean 'InnerProduct'?"));
        var registered = TestNets.Factory.Registrations.Select(r => r.TypeName).ToList();
        Assert.That(registered, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal).And.Contains("InnerProduct").And.Contains("Sigmoid"));
        Assert.That(error.Detail, Does.Contain($"Registered types: {string.Join(", ", registered)}."));
    }

    [Test]
    public void Every_unknown_layer_type_of_the_file_is_named_in_one_message()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProdcut" bottom: "x" top: "y" }
            layer { name: "perm" type: "Permute" bottom: "y" top: "z" }
            layer { name: "perm2" type: "Permute" bottom: "z" top: "w" }
            layer { name: "py" type: "Python" bottom: "w" top: "v" }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"ip\"");
        var registered = string.Join(", ", TestNets.Factory.Registrations.Select(r => r.TypeName));
        Assert.That(
            error.Detail,
            Is.EqualTo($"3 layer types are not registered: 'InnerProdcut' (layer 'ip' at (2,1); did you mean 'InnerProduct'?), 'Permute' (layer 'perm' at (3,1)), 'Python' (layer 'py' at (5,1); Python layers must be rewritten as plugins). Registered types: {registered}. A plugin's layers need --plugin or LAYERNET_PLUGIN_PATH."));
    }

    [Test]
    public void A_duplicate_layer_name_is_a_warning_naming_both_places_as_caffe_accepts_it()
    {
        // Issue 13: Caffe accepts a repeated layer name (HED's deploy file names two layers 'crop'); so does LayerNet,
        // with one warning line (this test replaces the one that pinned the former error).
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 } } }
            layer { name: "act" type: "Sigmoid" bottom: "x" top: "y" }
            layer { name: "act" type: "Sigmoid" bottom: "y" top: "z" }
            """;
        var written = new StringWriter();
        var document = TestNets.Parse(text);

        var net = new Net(document.Message, TestNets.Factory, new NetOptions { Source = document.Source, Log = new TrainingLog(written) });

        var lines = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = TestNets.LineOf(text, "top: \"y\"");
        var second = TestNets.LineOf(text, "top: \"z\"");
        var column = TestNets.ColumnOf(text, "layer {", first);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Match(@"^W\d{8} \d\d:\d\d:\d\d\.\d{6} \d+ net\] "));
        Assert.That(
            lines[0],
            Does.EndWith($"net] layer name 'act' is used twice, at net.prototxt({first},{column}) and at net.prototxt({second},{column}); weights given by name go to the first"));
        Assert.That(net.Layers.Count(l => l.Name == "act"), Is.EqualTo(2));
        Assert.That(net.FindLayer("act"), Is.SameAs(net.Layers[TestNets.IndexOf(net, "act")]));
    }

    [Test]
    public void Weights_for_a_repeated_layer_name_go_to_the_first_layer_of_that_name_as_in_caffe()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 1 dim: 2 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 3 } }
            layer { name: "ip" type: "InnerProduct" bottom: "y" top: "z" inner_product_param { num_output: 2 } }
            """;
        var document = TestNets.Parse(text);
        var net = new Net(document.Message, TestNets.Factory, new NetOptions { Source = document.Source, Log = TrainingLog.None });
        var trained = new NetParameter();
        var layer = new LayerParameter { Name = "ip" };
        layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 3, 2 } }, Data = { 1, 2, 3, 4, 5, 6 } });
        layer.Blobs.Add(new BlobProto { Shape = new BlobShape { Dim = { 3 } }, Data = { 7, 8, 9 } });
        trained.Layer.Add(layer);
        var second = net.Layers.Last(l => l.Name == "ip");
        var secondBefore = second.Blobs[0].Data.ToArray();

        net.CopyTrainedLayersFrom(trained);

        var firstLayer = net.Layers.First(l => l.Name == "ip");
        Assert.That(firstLayer.Blobs[0].Data.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(firstLayer.Blobs[1].Data.ToArray(), Is.EqualTo(new float[] { 7, 8, 9 }));
        Assert.That(second.Blobs[0].Data.ToArray(), Is.EqualTo(secondBefore));
    }

    [Test]
    public void Include_and_exclude_together_is_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 } } }
            layer { name: "act" type: "Sigmoid" bottom: "x" top: "y" include { phase: TRAIN } exclude { stage: "deploy" } }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"act\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'act' (Sigmoid) has both include and exclude rules; give only one kind"));
    }

    [Test]
    public void Num_output_0_for_InnerProduct_is_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 0 } }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"ip\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'ip' (InnerProduct): inner_product_param.num_output must be given and positive"));
    }

    [Test]
    public void A_loss_weight_count_that_fits_no_top_is_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 } } }
            layer { name: "act" type: "Sigmoid" bottom: "x" top: "y" loss_weight: 1 loss_weight: 2 }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"act\"");
        Assert.That(error.Detail, Is.EqualTo("layer 'act' (Sigmoid): loss_weight must be given once per top blob or not at all: 2 given for 1 tops"));
    }

    [Test]
    public void A_propagate_down_count_that_fits_no_bottom_is_an_error()
    {
        var text = """
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 } } }
            layer { name: "act" type: "Sigmoid" bottom: "x" top: "y" propagate_down: true propagate_down: false }
            """;

        var error = BuildFails(text);

        AssertAt(error, text, "name: \"act\"");
        Assert.That(error.Detail, Does.Contain("propagate_down must be given once per bottom (1) or not at all, got 2"));
    }
}
