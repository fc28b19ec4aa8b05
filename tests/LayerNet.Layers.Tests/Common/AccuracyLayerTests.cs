using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Common;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Common;

[TestFixture]
public sealed class AccuracyLayerTests
{
    private static LayerParameter Definition(uint? topK = null, int? ignoreLabel = null, int? axis = null)
    {
        var p = new AccuracyParameter();
        if (topK is { } k)
        {
            p.TopK = k;
        }

        if (ignoreLabel is { } label)
        {
            p.IgnoreLabel = label;
        }

        if (axis is { } value)
        {
            p.Axis = value;
        }

        return new LayerParameter { Name = "accuracy", Type = "Accuracy", AccuracyParam = p };
    }

    // Item 0 (label 1) is the clear winner: a top-1 hit.
    // Item 1 (label 0) ties with class 2: ties count against it, so only a top-2 hit.
    // Item 2 (label 1) is third: a top-3 hit.
    private static Blob Scores() => BlobBuilder.FromValues(
        [3, 4],
        0.1f, 0.5f, 0.3f, 0.1f,
        0.4f, 0.2f, 0.4f, 0.0f,
        0.1f, 0.2f, 0.3f, 0.4f);

    private static Blob Labels() => BlobBuilder.FromValues([3], 1, 0, 1);

    private static float Run(LayerParameter parameter, Blob scores, Blob labels)
    {
        var top = new Blob();
        var layer = new AccuracyLayer(parameter);
        layer.SetUp([scores, labels], [top]);
        layer.Forward([scores, labels], [top]);
        Assert.That(top.AxisCount, Is.Zero);
        return top.Data[0];
    }

    [TestCase(1u, 1f / 3)]
    [TestCase(2u, 2f / 3)]
    [TestCase(3u, 1f)]
    [TestCase(4u, 1f)]
    public void Forward_counts_a_hit_when_fewer_than_k_other_classes_score_at_least_the_label(uint topK, float expected)
    {
        Assert.That(Run(Definition(topK), Scores(), Labels()), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void The_default_is_top_1()
    {
        Assert.That(Run(new LayerParameter { Name = "accuracy", Type = "Accuracy" }, Scores(), Labels()), Is.EqualTo(1f / 3).Within(1e-6f));
    }

    [Test]
    public void Positions_with_the_ignore_label_are_not_counted()
    {
        // Only item 1 (label 0) remains: a top-1 miss, a top-2 hit.
        Assert.That(Run(Definition(1, ignoreLabel: 1), Scores(), Labels()), Is.Zero);
        Assert.That(Run(Definition(2, ignoreLabel: 1), Scores(), Labels()), Is.EqualTo(1f));
    }

    [Test]
    public void With_every_position_ignored_the_accuracy_is_zero()
    {
        Assert.That(Run(Definition(ignoreLabel: 1), Scores(), BlobBuilder.FromValues([3], 1, 1, 1)), Is.Zero);
    }

    [Test]
    public void The_class_axis_may_have_inner_positions()
    {
        // Shape 1 x 2 x 2, axis 1: position 0 scores (1, 0), position 1 scores (0, 1); both labelled 0.
        var scores = BlobBuilder.FromValues([1, 2, 2], 1, 0, 0, 1);
        var labels = BlobBuilder.FromValues([1, 2], 0, 0);

        Assert.That(Run(Definition(axis: 1), scores, labels), Is.EqualTo(0.5f));
    }

    [Test]
    public void The_class_axis_may_be_counted_from_the_end()
    {
        Assert.That(Run(Definition(axis: -1), Scores(), Labels()), Is.EqualTo(1f / 3).Within(1e-6f));
    }

    [Test]
    public void A_second_top_receives_the_accuracy_of_each_class()
    {
        var scores = Scores();
        var labels = Labels();
        Blob[] top = [new Blob(), new Blob()];
        var layer = new AccuracyLayer(Definition());
        layer.SetUp([scores, labels], top);

        layer.Forward([scores, labels], top);
        layer.Forward([scores, labels], top);

        // Class 0: item 1 missed. Class 1: item 0 hit, item 2 missed. Classes 2 and 3: no positions.
        Assert.That(top[1].Shape, Is.EqualTo(new[] { 4 }));
        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 0f, 0.5f, 0f, 0f }), "a second pass starts afresh");
        Assert.That(top[0].Data[0], Is.EqualTo(1f / 3).Within(1e-6f));
    }

    [Test]
    public void Per_class_accuracy_skips_ignored_positions()
    {
        var scores = Scores();
        var labels = Labels();
        Blob[] top = [new Blob(), new Blob()];
        var layer = new AccuracyLayer(Definition(2, ignoreLabel: 1));
        layer.SetUp([scores, labels], top);

        layer.Forward([scores, labels], top);

        Assert.That(top[1].Data.ToArray(), Is.EqualTo(new[] { 1f, 0f, 0f, 0f }));
    }

    [TestCase(4f, "label 4 of item 1 is out of range; expected 0 to 3")]
    [TestCase(-1f, "label -1 of item 1 is out of range; expected 0 to 3")]
    [TestCase(float.NaN, "label NaN of item 1 is out of range; expected 0 to 3")]
    public void A_label_out_of_range_stops_forward_naming_the_item_and_the_label(float label, string expected)
    {
        var error = Assert.Throws<LayerNetException>(() => Run(Definition(), Scores(), BlobBuilder.FromValues([3], 1, label, 1)));

        Assert.That(error.Message, Is.EqualTo($"layer 'accuracy' (Accuracy): {expected}"));
    }

    [Test]
    public void A_negative_ignore_label_is_still_skipped_and_named_when_another_label_is_bad()
    {
        var accuracy = Run(Definition(ignoreLabel: -1), Scores(), BlobBuilder.FromValues([3], 1, -1, 1));
        var error = Assert.Throws<LayerNetException>(() => Run(Definition(ignoreLabel: -1), Scores(), BlobBuilder.FromValues([3], 1, -1, -2)));

        Assert.That(accuracy, Is.EqualTo(0.5f).Within(1e-6f), "items 0 (hit) and 2 (miss) counted, item 1 ignored");
        Assert.That(error.Message, Is.EqualTo("layer 'accuracy' (Accuracy): label -2 of item 2 is out of range; expected 0 to 3 (or ignore_label -1)"));
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void A_bad_label_in_a_net_stops_forward_with_the_model_file_position(Phase phase)
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "score" top: "label" input_param { shape { dim: 3 dim: 4 } shape { dim: 3 } } }
            layer {
              name: "accuracy" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy"
            }
            """;

        var error = TextNets.ForwardError(Text, phase, ("label", [0f, 0f, 12f]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'accuracy' (Accuracy): label 12 of item 2 is out of range; expected 0 to 3"));
    }

    [Test]
    public void There_is_no_backward()
    {
        var layer = new AccuracyLayer(Definition());

        Assert.That(layer.HasBackward, Is.False);
        Assert.That(layer.AllowForceBackward(0) || layer.AllowForceBackward(1), Is.False);
    }

    [Test]
    public void A_top_k_above_the_class_count_is_an_error()
    {
        var parameter = Definition(5);
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 80, 1)), () => new AccuracyLayer(parameter));
        var scores = Scores();
        scores.Name = "score";

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([scores, Labels()], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(80,1): layer 'accuracy' (Accuracy): accuracy_param.top_k 5 exceeds the 4 classes of bottom 'score' (3 4 (12)) on axis 1"));
    }

    [Test]
    public void A_top_k_of_zero_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => new AccuracyLayer(Definition(0)));

        Assert.That(error.Message, Is.EqualTo("layer 'accuracy' (Accuracy): accuracy_param.top_k 0 is out of range; expected at least 1"));
    }

    [Test]
    public void A_label_count_other_than_one_per_position_is_an_error()
    {
        var layer = new AccuracyLayer(Definition());

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(3, 4) { Name = "score" }, new Blob(4) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'accuracy' (Accuracy): bottom 'label' (4 (4)) must hold one label per position of 'score' (3 4 (12)) around axis 1: 3 x 1 = 3 labels, each in [0, 4)"));
    }

    [Test]
    public void An_axis_out_of_range_is_an_error()
    {
        var layer = new AccuracyLayer(Definition(axis: 2));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(3, 4) { Name = "score" }, new Blob(3) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("layer 'accuracy' (Accuracy): accuracy_param.axis 2 is out of range for bottom 'score' of shape 3 4 (12); expected -2 <= axis < 2"));
    }
}
