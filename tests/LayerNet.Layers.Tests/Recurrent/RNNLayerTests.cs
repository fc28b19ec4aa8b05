using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Fillers;
using LayerNet.Layers.Recurrent;
using LayerNet.Testing;
using LayerNet.Text;
using static LayerNet.Layers.Tests.Recurrent.RecurrentTestBlobs;

namespace LayerNet.Layers.Tests.Recurrent;

[TestFixture]
public sealed class RNNLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 9, 1));

    private static LayerParameter Definition(uint outputs = 3, bool exposeHidden = false) => RecurrentTestBlobs.Definition("RNN", outputs, exposeHidden);

    [Test]
    public void Set_up_creates_Caffes_blobs_in_Caffes_order()
    {
        var layer = new RNNLayer(Definition(outputs: 4));
        var top = new Blob();

        layer.SetUp([new Blob(3, 2, 5), Cont(3, 2)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 3, 2, 4 }));
        Assert.That(layer.Blobs.Select(b => b.Shape.ToArray()), Is.EqualTo(new[] { new[] { 4, 5 }, [4], [4, 4], [4, 4], [4] }));
        Assert.That(layer.Blobs.Select(b => b.Data.ToArray().Any(v => v != 0f)), Is.All.True, "every blob is filled");

        var withStatic = new RNNLayer(Definition(outputs: 4));
        withStatic.SetUp([new Blob(3, 2, 5), Cont(3, 2), new Blob(2, 7)], [new Blob()]);
        Assert.That(withStatic.Blobs.Select(b => b.Shape.ToArray()), Is.EqualTo(new[] { new[] { 4, 5 }, [4], [4, 7], [4, 4], [4, 4], [4] }));
    }

    [Test]
    public void Forward_on_hand_computed_values()
    {
        // H = 2, one input: W_xh = [1, -1]^T, b_h = [0, 0.5], W_hh = I / 2, W_ho = I, b_o = [0.1, 0].
        var layer = new RNNLayer(Definition(outputs: 2));
        layer.SetGivenBlobs([
            BlobBuilder.FromValues([2, 1], 1, -1), BlobBuilder.FromValues([2], 0, 0.5f), BlobBuilder.FromValues([2, 2], 0.5f, 0, 0, 0.5f),
            BlobBuilder.FromValues([2, 2], 1, 0, 0, 1), BlobBuilder.FromValues([2], 0.1f, 0)]);
        var x = BlobBuilder.FromValues([2, 2, 1], 0.2f, -0.4f, 0.6f, 1f);
        var cont = BlobBuilder.FromValues([2, 2], 0, 0, 1, 0);
        var top = new Blob();

        layer.SetUp([x, cont], [top]);
        layer.Forward([x, cont], [top]);

        // Step 1: h = tanh(W_xh x + b_h). Step 2: stream 1 adds h / 2, stream 2 restarts.
        double h11 = Math.Tanh(0.2), h12 = Math.Tanh(0.3), h21 = Math.Tanh(-0.4), h22 = Math.Tanh(0.9);
        double g11 = Math.Tanh(0.6 + (h11 / 2)), g12 = Math.Tanh(-0.1 + (h12 / 2)), g21 = Math.Tanh(1), g22 = Math.Tanh(-0.5);
        double[] expected = [Math.Tanh(h11 + 0.1), Math.Tanh(h12), Math.Tanh(h21 + 0.1), Math.Tanh(h22), Math.Tanh(g11 + 0.1), Math.Tanh(g12), Math.Tanh(g21 + 0.1), Math.Tanh(g22)];
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-6));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Forward_matches_a_float64_reference(bool withStatic)
    {
        const int Steps = 4, Streams = 3, Hidden = 5;
        var layer = new RNNLayer(Definition(outputs: Hidden)) { Random = new RandomSource(7) };
        var x = Uniform(1, Steps, Streams, 6);
        var cont = BlobBuilder.FromValues([Steps, Streams], 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1);
        var xStatic = Uniform(2, Streams, 2, 2);
        List<Blob> bottom = withStatic ? [x, cont, xStatic] : [x, cont];
        var top = new Blob();

        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        var inputs = new RecurrentReference.Inputs(Steps, Streams, 6, x.Data.ToArray(), cont.Data.ToArray(), withStatic ? xStatic.Data.ToArray() : null);
        var expected = RecurrentReference.Rnn(inputs, Hidden, layer.Blobs, new double[Streams * Hidden], out _);
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void The_state_carries_into_the_next_pass_and_cont_0_drops_it()
    {
        const int Steps = 2, Streams = 2, Hidden = 3;
        var layer = new RNNLayer(Definition(outputs: Hidden)) { Random = new RandomSource(4) };
        var x = Uniform(3, Steps, Streams, 2);
        var cont = BlobBuilder.FromValues([Steps, Streams], 0, 0, 1, 1);
        var top = new Blob();
        layer.SetUp([x, cont], [top]);
        var inputs = new RecurrentReference.Inputs(Steps, Streams, 2, x.Data.ToArray(), [1, 0, 1, 1], null);
        var first = RecurrentReference.Rnn(inputs with { Cont = cont.Data.ToArray() }, Hidden, layer.Blobs, new double[Streams * Hidden], out var hT);

        layer.Forward([x, cont], [top]);
        Assert.That(Doubles(top), Is.EqualTo(first).Within(1e-5));

        // Stream 1 continues from the last pass's h_T, stream 2 starts afresh.
        BlobBuilder.FromValues([Steps, Streams], 1, 0, 1, 1).Data.CopyTo(cont.Data);
        layer.Forward([x, cont], [top]);
        Assert.That(Doubles(top), Is.EqualTo(RecurrentReference.Rnn(inputs, Hidden, layer.Blobs, hT, out _)).Within(1e-5));
        Assert.That(top.Data.ToArray().AsSpan(Hidden, Hidden).ToArray().Select(v => (double)v), Is.EqualTo(first.AsSpan(Hidden, Hidden).ToArray()).Within(1e-6), "cont 0");
    }

    [Test]
    public void Expose_hidden_starts_from_h_0_and_returns_h_T()
    {
        const int Steps = 3, Streams = 2, Hidden = 2;
        var layer = new RNNLayer(Definition(outputs: Hidden, exposeHidden: true)) { Random = new RandomSource(5) };
        var x = Uniform(4, Steps, Streams, 3);
        var cont = BlobBuilder.FromValues([Steps, Streams], 1, 1, 0, 1, 1, 1);
        var h0 = Uniform(5, 1, Streams, Hidden);
        Blob top = new(), hT = new();

        layer.SetUp([x, cont, h0], [top, hT]);
        layer.Forward([x, cont, h0], [top, hT]);

        var inputs = new RecurrentReference.Inputs(Steps, Streams, 3, x.Data.ToArray(), cont.Data.ToArray(), null);
        var expected = RecurrentReference.Rnn(inputs, Hidden, layer.Blobs, Doubles(h0), out var expectedH);
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-5));
        Assert.That(hT.Shape, Is.EqualTo(new[] { 1, Streams, Hidden }));
        Assert.That(Doubles(hT), Is.EqualTo(expectedH).Within(1e-5));
    }

    [TestCase(1, 3)]
    [TestCase(3, 2)]
    public void Gradient_matches_finite_differences(int steps, int streams)
    {
        var layer = new RNNLayer(Definition(outputs: 3));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [Uniform(8, steps, streams, 3, 2), Cont(steps, streams)], [new Blob()], checkBottom: 0);
    }

    [TestCase(0)]
    [TestCase(2)]
    public void Gradient_with_a_static_input_matches_finite_differences(int checkBottom)
    {
        var bottom = new[] { Uniform(9, 2, 2, 3), Cont(2, 2), Uniform(10, 2, 2, 3) };

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new RNNLayer(Definition(outputs: 3)), bottom, [new Blob()], checkBottom);
    }

    [TestCase(0)]
    [TestCase(2)]
    public void Gradient_with_expose_hidden_reaches_h_0_and_takes_h_T(int checkBottom)
    {
        var bottom = new[] { Uniform(12, 3, 2, 2), BlobBuilder.FromValues([3, 2], 1, 1, 0, 1, 1, 1), Uniform(13, 1, 2, 3) };

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new RNNLayer(Definition(outputs: 3, exposeHidden: true)), bottom, [new Blob(), new Blob()], checkBottom);
    }

    [Test]
    public void A_missing_num_output_is_an_error_with_the_model_file_position()
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "x" top: "cont" input_param { shape { dim: 3 dim: 2 dim: 4 } shape { dim: 3 dim: 2 } } }
            layer { name: "rnn" type: "RNN" bottom: "x" bottom: "cont" top: "o" }
            """;

        var error = Assert.Throws<LayerNetException>(() => TextNets.Build(Text, Phase.Train));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(2,1): layer 'rnn' (RNN): recurrent_param.num_output 0 is out of range; expected at least 1"));
    }

    [Test]
    public void An_initial_hidden_state_of_another_shape_is_an_error()
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new RNNLayer(Definition(exposeHidden: true)));

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2), new Blob(2, 3) { Name = "h0" }], [new Blob(), new Blob()]));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(9,1): layer 'rnn' (RNN): bottom 'h0' has shape 2 3 (6); the initial hidden state needs shape 1 2 3 (one step, streams, recurrent_param.num_output)"));
    }

    [Test]
    public void Given_blobs_are_counted_with_Caffes_names()
    {
        var layer = new RNNLayer(Definition());
        layer.SetGivenBlobs([new Blob(3, 4), new Blob(3), new Blob(3, 3)]);

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2), new Blob(2, 5)], [new Blob()]));

        Assert.That(error.Message, Is.EqualTo("layer 'rnn' (RNN): expected 6 learnable blobs (W_xh, b_h, W_xh_static, W_hh, W_ho, b_o), the model gives 3"));
    }
}
