using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Loss;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Layers.Tests.Loss;

[TestFixture]
public sealed class MultinomialLogisticLossLayerTests
{
    private static LayerParameter Definition(float? lossWeight = null)
    {
        var parameter = new LayerParameter { Name = "loss", Type = "MultinomialLogisticLoss" };
        if (lossWeight is { } weight)
        {
            parameter.LossWeight.Add(weight);
        }

        return parameter;
    }

    // Item 0: p(label 1) = 0.25; item 1: p(label 2) = 0, floored at 1e-20.
    private static Blob Probabilities() => BlobBuilder.FromValues([2, 3], 0.5f, 0.25f, 0.25f, 0.9f, 0.1f, 0f);

    private static Blob Labels() => BlobBuilder.FromValues([2, 1, 1, 1], 1, 2);

    [Test]
    public void Forward_is_the_mean_negative_log_of_the_labelled_probabilities_floored_at_1e_20()
    {
        var probabilities = Probabilities();
        var labels = Labels();
        var top = new Blob();
        var layer = new MultinomialLogisticLossLayer(Definition());

        layer.SetUp([probabilities, labels], [top]);
        var loss = layer.Forward([probabilities, labels], [top]);

        var expected = (-Math.Log(0.25) - Math.Log(1e-20)) / 2;
        Assert.That(top.Data[0], Is.EqualTo(expected).Within(1e-5));
        Assert.That(loss, Is.EqualTo(top.Data[0]));
    }

    [Test]
    public void Backward_is_minus_the_loss_weight_over_N_p_at_the_labels_only()
    {
        var probabilities = Probabilities();
        var labels = Labels();
        var top = new Blob();
        var layer = new MultinomialLogisticLossLayer(Definition(2f));
        layer.SetUp([probabilities, labels], [top]);
        layer.Forward([probabilities, labels], [top]);
        probabilities.Diff.Fill(123f);

        layer.Backward([top], [true, false], [probabilities, labels]);

        // -2 / (2 x 0.25) = -4; -2 / (2 x 1e-20) = -1e20 (Caffe keeps the floored probability in the gradient too).
        Assert.That(probabilities.Diff.ToArray(), Is.EqualTo(new[] { 0f, -4f, 0f, 0f, 0f, -1e20f }).Within(0.0001).Percent);
    }

    [Test]
    public void A_label_out_of_range_stops_forward_naming_the_item_and_the_label()
    {
        var probabilities = Probabilities();
        var labels = BlobBuilder.FromValues([2], 1, -1);
        var top = new Blob();
        var layer = new MultinomialLogisticLossLayer(Definition());
        layer.SetUp([probabilities, labels], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Forward([probabilities, labels], [top]));

        Assert.That(error.Message, Is.EqualTo("layer 'loss' (MultinomialLogisticLoss): label -1 of item 1 is out of range; expected 0 to 2"));
    }

    [TestCase(Phase.Train)]
    [TestCase(Phase.Test)]
    public void A_bad_label_in_a_net_stops_forward_with_the_model_file_position(Phase phase)
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "p" top: "label" input_param { shape { dim: 2 dim: 3 } shape { dim: 2 } } }

            layer { name: "loss" type: "MultinomialLogisticLoss" bottom: "p" bottom: "label" top: "loss" }
            """;

        var error = TextNets.ForwardError(Text, phase, ("label", [3f, 0f]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(3,1): layer 'loss' (MultinomialLogisticLoss): label 3 of item 0 is out of range; expected 0 to 2"));
    }

    [Test]
    public void Labels_cannot_be_forced_to_backward()
    {
        var layer = new MultinomialLogisticLossLayer(Definition());

        Assert.That(layer.AllowForceBackward(1), Is.False);
    }

    [Test]
    public void Gradient_matches_finite_differences()
    {
        // Caffe's test: 10 x 5 positive rows summing to 1, random labels; values within 0.05 of 0 are skipped.
        var random = new RandomSource(1701);
        var probabilities = BlobBuilder.Uniform(random, 0f, 1f, 10, 5, 1, 1);
        var data = probabilities.Data;
        for (var n = 0; n < 10; n++)
        {
            var row = data.Slice(n * 5, 5);
            var sum = 0f;
            foreach (var value in row)
            {
                sum += value;
            }

            for (var c = 0; c < 5; c++)
            {
                row[c] /= sum;
            }
        }

        var labels = new Blob(10, 1, 1, 1);
        for (var i = 0; i < labels.Count; i++)
        {
            labels.Data[i] = random.NextInt(5);
        }

        var layer = new MultinomialLogisticLossLayer(Definition());

        new GradientChecker(1e-2f, 2e-2f, 1701, 0f, 0.05f).CheckGradientExhaustive(layer, [probabilities, labels], [new Blob()], 0);
    }

    [Test]
    public void A_label_count_other_than_one_per_item_is_an_error()
    {
        var parameter = Definition();
        var layer = Layer.ConstructAt(Origin.At(new SourcePosition("net.prototxt", 70, 1)), () => new MultinomialLogisticLossLayer(parameter));

        var error = Assert.Throws<LayerNetException>(
            () => layer.SetUp([new Blob(2, 3) { Name = "prob" }, new Blob(2, 3) { Name = "label" }], [new Blob()]));

        Assert.That(
            error.Message,
            Is.EqualTo("net.prototxt(70,1): layer 'loss' (MultinomialLogisticLoss): bottom 'label' (2 3 (6)) must hold one label per item of 'prob' (2 3 (6)): 2 labels"));
    }
}
