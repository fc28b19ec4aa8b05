using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers.Recurrent;
using LayerNet.Testing;
using LayerNet.Text;
using static LayerNet.Layers.Tests.Recurrent.RecurrentTestBlobs;

namespace LayerNet.Layers.Tests.Recurrent;

[TestFixture]
public sealed class LSTMUnitLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 4, 1));

    private static LayerParameter Definition() => new() { Name = "unit", Type = "LSTMUnit" };

    [Test]
    public void Forward_on_hand_computed_values()
    {
        // N = 2, H = 2. Stream 1: i' = f' = o' = 0 (i = f = o = 1/2), g' = (ln 3 / 2, 0) so g = (1/2, 0), cont 1:
        // c = c_prev / 2 + g / 2. Stream 2: the same gates with cont 0: c = g / 2.
        var half = (float)(Math.Log(3) / 2);
        var cellPrevious = BlobBuilder.FromValues([1, 2, 2], 0.8f, -0.4f, 0.8f, -0.4f);
        var gates = BlobBuilder.FromValues([1, 2, 8], 0, 0, 0, 0, 0, 0, half, 0, 0, 0, 0, 0, 0, 0, half, 0);
        var cont = BlobBuilder.FromValues([1, 2], 1, 0);
        Blob c = new(), h = new();
        var layer = new LSTMUnitLayer(Definition());

        layer.SetUp([cellPrevious, gates, cont], [c, h]);
        layer.Forward([cellPrevious, gates, cont], [c, h]);

        Assert.That(c.Shape, Is.EqualTo(new[] { 1, 2, 2 }));
        Assert.That(h.Shape, Is.EqualTo(new[] { 1, 2, 2 }));
        Assert.That(c.Data.ToArray(), Is.EqualTo(new[] { 0.65f, -0.2f, 0.25f, 0f }).Within(1e-6f));
        Assert.That(h.Data.ToArray().Select(v => (double)v), Is.EqualTo(new[] { Math.Tanh(0.65) / 2, Math.Tanh(-0.2) / 2, Math.Tanh(0.25) / 2, 0 }).Within(1e-6));
    }

    // Caffe's tests: c_prev and x uniform in [-1, 1], N = 3, H = 7, cont all 0 and then 1 0 1.
    [TestCase(0f, 0f, 0f, 0)]
    [TestCase(0f, 0f, 0f, 1)]
    [TestCase(1f, 0f, 1f, 0)]
    [TestCase(1f, 0f, 1f, 1)]
    public void Gradient_matches_finite_differences(float cont0, float cont1, float cont2, int checkBottom)
    {
        var bottom = new[] { Uniform(1, 1, 3, 7), Uniform(2, 1, 3, 28), BlobBuilder.FromValues([1, 3], cont0, cont1, cont2) };

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new LSTMUnitLayer(Definition()), bottom, [new Blob(), new Blob()], checkBottom);
    }

    [Test]
    public void Cont_cannot_be_forced_to_backward_and_gets_zeros_if_asked()
    {
        var bottom = new[] { Uniform(1, 1, 2, 2), Uniform(2, 1, 2, 8), BlobBuilder.FromValues([1, 2], 1, 1) };
        bottom[2].Diff.Fill(7f);
        Blob c = new(), h = new();
        var layer = new LSTMUnitLayer(Definition());
        layer.SetUp(bottom, [c, h]);
        layer.Forward(bottom, [c, h]);
        c.Diff.Fill(1f);
        h.Diff.Fill(1f);

        layer.Backward([c, h], [true, true, true], bottom);

        Assert.That(layer.AllowForceBackward(1), Is.True);
        Assert.That(layer.AllowForceBackward(2), Is.False);
        Assert.That(bottom[2].Diff.ToArray(), Is.All.Zero);
        Assert.That(bottom[1].Diff.ToArray(), Has.Some.Not.Zero);
    }

    [TestCase(new[] { 2, 2 }, new[] { 1, 2, 8 }, new[] { 1, 2 }, "bottom 'c_prev' has shape 2 2 (4); the previous cell state needs shape 1 x streams x hidden")]
    [TestCase(new[] { 1, 2, 2 }, new[] { 1, 2, 6 }, new[] { 1, 2 }, "bottom 'x' has shape 1 2 6 (12); the gate inputs need shape 1 2 8 (one step, streams, 4 x the cell state's 2)")]
    [TestCase(new[] { 1, 2, 2 }, new[] { 1, 2, 8 }, new[] { 2 }, "bottom 'cont' has shape 2 (2); the sequence continuation indicators need shape 1 2 (one step, streams)")]
    public void Bottoms_of_the_wrong_shape_are_errors(int[] cellShape, int[] gateShape, int[] contShape, string expected)
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new LSTMUnitLayer(Definition()));
        Blob[] bottom = [new(cellShape) { Name = "c_prev" }, new(gateShape) { Name = "x" }, new(contShape) { Name = "cont" }];

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp(bottom, [new Blob(), new Blob()]));

        Assert.That(error.Message, Is.EqualTo($"net.prototxt(4,1): layer 'unit' (LSTMUnit): {expected}"));
    }

    [Test]
    public void Registered_as_LSTMUnit_and_its_tops_counted()
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "c0" top: "x" top: "cont" input_param { shape { dim: 1 dim: 2 dim: 3 } shape { dim: 1 dim: 2 dim: 12 } shape { dim: 1 dim: 2 } } }
            layer { name: "unit" type: "LSTMUnit" bottom: "c0" bottom: "x" bottom: "cont" top: "c" }
            """;

        var error = Assert.Throws<LayerNetException>(() => TextNets.Build(Text, Phase.Train));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'unit' (LSTMUnit): expected 2 top blobs, got 1"));
    }
}
