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
public sealed class LSTMLayerTests
{
    private static readonly Origin DefinedAt = Origin.At(new SourcePosition("net.prototxt", 7, 1));

    private static LayerParameter Definition(uint outputs = 3, bool exposeHidden = false) => RecurrentTestBlobs.Definition("LSTM", outputs, exposeHidden);

    [Test]
    public void Set_up_creates_Caffes_blobs_in_Caffes_order_filled_by_the_weight_and_bias_fillers()
    {
        var layer = new LSTMLayer(Definition(outputs: 5));
        var top = new Blob();

        layer.SetUp([new Blob(3, 2, 4, 2), Cont(3, 2)], [top]);

        Assert.That(top.Shape, Is.EqualTo(new[] { 3, 2, 5 }));
        Assert.That(layer.Blobs.Select(b => b.Shape.ToArray()), Is.EqualTo(new[] { new[] { 20, 8 }, [20], [20, 5] }));
        Assert.That(layer.Blobs.Select(b => b.Data.ToArray().Any(v => v != 0f)), Is.All.True, "every blob is filled");
    }

    [Test]
    public void A_static_input_adds_W_xc_static_after_the_bias()
    {
        var layer = new LSTMLayer(Definition(outputs: 5));

        layer.SetUp([new Blob(3, 2, 8), Cont(3, 2), new Blob(2, 2, 3)], [new Blob()]);

        Assert.That(layer.Blobs.Select(b => b.Shape.ToArray()), Is.EqualTo(new[] { new[] { 20, 8 }, [20], [20, 6], [20, 5] }));
    }

    [Test]
    public void Expose_hidden_takes_h_0_and_c_0_and_gives_h_T_and_c_T()
    {
        var layer = new LSTMLayer(Definition(outputs: 2, exposeHidden: true));
        Blob hT = new(), cT = new();

        layer.SetUp([new Blob(3, 4, 1), Cont(3, 4), new Blob(1, 4, 2), new Blob(1, 4, 2)], [new Blob(), hT, cT]);

        Assert.That(hT.Shape, Is.EqualTo(new[] { 1, 4, 2 }));
        Assert.That(cT.Shape, Is.EqualTo(new[] { 1, 4, 2 }));
        Assert.That(layer.Blobs, Has.Count.EqualTo(3));
    }

    [Test]
    public void Forward_on_hand_computed_values()
    {
        // H = 2, one input. Gate rows i1 i2 f1 f2 o1 o2 g1 g2: W_xc = [0, 0, 0, 0, 0, 0, 1, -1]^T, b_c = 0 but
        // b(f) = ln 3 (f = 3/4), W_hc = 0 but W_hc(g1, h1) = 2. So i = o = 1/2 and f = 3/4 (times cont);
        // g1 = tanh(x + 2 cont h1), g2 = tanh(-x); c = f c_prev + g / 2; h = tanh(c) / 2.
        var ln3 = (float)Math.Log(3);
        var layer = new LSTMLayer(Definition(outputs: 2));
        layer.SetGivenBlobs([
            BlobBuilder.FromValues([8, 1], 0, 0, 0, 0, 0, 0, 1, -1),
            BlobBuilder.FromValues([8], 0, 0, ln3, ln3, 0, 0, 0, 0),
            BlobBuilder.FromValues([8, 2], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0)]);
        var x = BlobBuilder.FromValues([2, 2, 1], 0.5f, -1f, 0.25f, 2f);
        var cont = BlobBuilder.FromValues([2, 2], 0, 0, 1, 0);
        var top = new Blob();

        layer.SetUp([x, cont], [top]);
        layer.Forward([x, cont], [top]);

        // Step 1 (both streams start): c = g / 2.
        double c11 = Math.Tanh(0.5) / 2, c12 = Math.Tanh(-0.5) / 2, c21 = Math.Tanh(-1) / 2, c22 = Math.Tanh(1) / 2;
        double h11 = Math.Tanh(c11) / 2, h12 = Math.Tanh(c12) / 2, h21 = Math.Tanh(c21) / 2, h22 = Math.Tanh(c22) / 2;
        // Step 2: stream 1 continues (f = 3/4, g1 sees 2 h1), stream 2 starts again (its state is dropped).
        double d11 = (0.75 * c11) + (Math.Tanh(0.25 + (2 * h11)) / 2), d12 = (0.75 * c12) + (Math.Tanh(-0.25) / 2);
        double d21 = Math.Tanh(2) / 2, d22 = Math.Tanh(-2) / 2;
        double[] expected = [h11, h12, h21, h22, Math.Tanh(d11) / 2, Math.Tanh(d12) / 2, Math.Tanh(d21) / 2, Math.Tanh(d22) / 2];
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-6));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Forward_matches_a_float64_reference(bool withStatic)
    {
        const int Steps = 4, Streams = 3, Hidden = 5;
        var layer = new LSTMLayer(Definition(outputs: Hidden)) { Random = new RandomSource(7) };
        var x = Uniform(1, Steps, Streams, 2, 3);
        var cont = BlobBuilder.FromValues([Steps, Streams], 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1);
        var xStatic = Uniform(2, Streams, 4);
        List<Blob> bottom = withStatic ? [x, cont, xStatic] : [x, cont];
        var top = new Blob();

        layer.SetUp(bottom, [top]);
        layer.Forward(bottom, [top]);

        var zeros = new double[Streams * Hidden];
        var inputs = new RecurrentReference.Inputs(Steps, Streams, 6, x.Data.ToArray(), cont.Data.ToArray(), withStatic ? xStatic.Data.ToArray() : null);
        var expected = RecurrentReference.Lstm(inputs, Hidden, layer.Blobs, zeros, zeros, out _, out _);
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void Without_expose_hidden_the_final_state_carries_into_the_next_pass_unless_cont_is_0()
    {
        // Caffe's test: a sequence in one pass equals the same sequence one step per pass (cont 1 carries the
        // state across passes); with cont 0 at every pass, each step starts afresh and only the first step agrees.
        const int Steps = 3, Streams = 2, Hidden = 4;
        var x = Uniform(3, Steps, Streams, 3);
        var whole = new LSTMLayer(Definition(outputs: Hidden)) { Random = new RandomSource(11) };
        var top = new Blob();
        whole.SetUp([x, Cont(Steps, Streams)], [top]);
        whole.Forward([x, Cont(Steps, Streams)], [top]);
        var expected = top.Data.ToArray();

        var stepwise = new LSTMLayer(Definition(outputs: Hidden));
        stepwise.SetGivenBlobs(whole.Blobs);
        var resetting = new LSTMLayer(Definition(outputs: Hidden));
        resetting.SetGivenBlobs(whole.Blobs);
        var step = new Blob(1, Streams, 3);
        Blob stepTop = new(), resetTop = new();
        var cont = new Blob(1, Streams);
        var zero = new Blob(1, Streams);
        stepwise.SetUp([step, cont], [stepTop]);
        resetting.SetUp([step, zero], [resetTop]);
        for (var t = 0; t < Steps; t++)
        {
            x.Data.Slice(t * Streams * 3, Streams * 3).CopyTo(step.Data);
            cont.Data.Fill(t > 0 ? 1f : 0f);
            stepwise.Forward([step, cont], [stepTop]);
            resetting.Forward([step, zero], [resetTop]);

            var slice = expected.AsSpan(t * Streams * Hidden, Streams * Hidden).ToArray();
            Assert.That(stepTop.Data.ToArray(), Is.EqualTo(slice).Within(1e-6f), $"step {t}");
            if (t == 0)
            {
                Assert.That(resetTop.Data.ToArray(), Is.EqualTo(slice).Within(1e-6f));
            }
            else
            {
                Assert.That(resetTop.Data.ToArray().Zip(slice, (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-4f), $"step {t} restarts");
            }
        }
    }

    [Test]
    public void Expose_hidden_starts_from_h_0_and_c_0_and_returns_the_final_states()
    {
        const int Steps = 2, Streams = 2, Hidden = 3;
        var layer = new LSTMLayer(Definition(outputs: Hidden, exposeHidden: true)) { Random = new RandomSource(5) };
        var x = Uniform(4, Steps, Streams, 2);
        var cont = BlobBuilder.FromValues([Steps, Streams], 1, 0, 1, 1);
        Blob h0 = Uniform(5, 1, Streams, Hidden), c0 = Uniform(6, 1, Streams, Hidden);
        Blob top = new(), hT = new(), cT = new();

        layer.SetUp([x, cont, h0, c0], [top, hT, cT]);
        layer.Forward([x, cont, h0, c0], [top, hT, cT]);

        var inputs = new RecurrentReference.Inputs(Steps, Streams, 2, x.Data.ToArray(), cont.Data.ToArray(), null);
        var expected = RecurrentReference.Lstm(
            inputs, Hidden, layer.Blobs, Doubles(h0), Doubles(c0), out var expectedH, out var expectedC);
        Assert.That(Doubles(top), Is.EqualTo(expected).Within(1e-5));
        Assert.That(Doubles(hT), Is.EqualTo(expectedH).Within(1e-5));
        Assert.That(Doubles(cT), Is.EqualTo(expectedC).Within(1e-5));
    }

    // Caffe's tests: T x N x 3 x 2 inputs uniform in [-1, 1], cont 0 at the first step (a carried state would change
    // between the checker's passes), the gradient to x, then to x_static.
    [TestCase(1, 3)]
    [TestCase(2, 2)]
    public void Gradient_matches_finite_differences(int steps, int streams)
    {
        var x = Uniform(8, steps, streams, 3, 2);
        var layer = new LSTMLayer(Definition(outputs: 3));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, [x, Cont(steps, streams)], [new Blob()], checkBottom: 0);
    }

    [Test]
    public void Gradient_with_a_static_input_matches_finite_differences()
    {
        var bottom = new[] { Uniform(9, 2, 2, 3, 2), Cont(2, 2), Uniform(10, 2, 2, 3) };

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new LSTMLayer(Definition(outputs: 3)), bottom, [new Blob()], checkBottom: 0);
        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(new LSTMLayer(Definition(outputs: 3)), bottom, [new Blob()], checkBottom: 2);
    }

    [TestCase(0)]
    [TestCase(2)]
    [TestCase(3)]
    public void Gradient_with_expose_hidden_reaches_h_0_and_c_0_and_takes_h_T_and_c_T(int checkBottom)
    {
        // cont 1 at the first step: the initial states matter; the objective includes h_T and c_T.
        var bottom = new[] { Uniform(12, 3, 2, 2), BlobBuilder.FromValues([3, 2], 1, 1, 0, 1, 1, 1), Uniform(13, 1, 2, 3), Uniform(14, 1, 2, 3) };
        var layer = new LSTMLayer(Definition(outputs: 3, exposeHidden: true));

        new GradientChecker(1e-2f, 1e-3f).CheckGradientExhaustive(layer, bottom, [new Blob(), new Blob(), new Blob()], checkBottom);
    }

    [Test]
    public void Registered_as_LSTM_and_built_from_a_model_file()
    {
        const string Text = """
            layer { name: "data" type: "Input" top: "x" top: "cont" input_param { shape { dim: 3 dim: 2 dim: 4 } shape { dim: 3 dim: 2 } } }
            layer { name: "lstm" type: "LSTM" bottom: "x" bottom: "cont" top: "h" recurrent_param { num_output: 5 weight_filler { type: "xavier" } } }
            """;

        var net = TextNets.Build(Text, Phase.Test);
        Uniform(17, 3, 2, 4).Data.CopyTo(net.Blob("x").Data);
        net.Forward();

        Assert.That(net.Blob("h").Shape, Is.EqualTo(new[] { 3, 2, 5 }));
        Assert.That(net.Blob("h").Data.ToArray(), Has.Some.Not.Zero);
    }

    [Test]
    public void In_a_training_net_the_loss_reaches_the_weights_and_x_but_not_cont()
    {
        const string Text = """
            force_backward: true
            layer { name: "data" type: "Input" top: "x" top: "cont" top: "target" input_param { shape { dim: 2 dim: 2 dim: 3 } shape { dim: 2 dim: 2 } shape { dim: 2 dim: 2 dim: 4 } } }
            layer { name: "lstm" type: "LSTM" bottom: "x" bottom: "cont" top: "h" recurrent_param { num_output: 4 weight_filler { type: "uniform" min: -0.5 max: 0.5 } } }
            layer { name: "loss" type: "EuclideanLoss" bottom: "h" bottom: "target" top: "loss" }
            """;
        var net = TextNets.Build(Text, Phase.Train);
        Uniform(18, 2, 2, 3).Data.CopyTo(net.Blob("x").Data);
        Cont(2, 2).Data.CopyTo(net.Blob("cont").Data);
        net.Blob("cont").Diff.Fill(5f);

        var loss = net.ForwardBackward();

        Assert.That(loss, Is.GreaterThan(0f));
        var lstm = net.FindLayer("lstm")!;
        Assert.That(lstm.Blobs.Select(b => b.Diff.ToArray().Any(v => v != 0f)), Is.All.True);
        Assert.That(net.Blob("x").Diff.ToArray(), Has.Some.Not.Zero);
        Assert.That(net.Blob("cont").Diff.ToArray(), Is.All.EqualTo(5f), "cont is not propagated to");
    }

    [Test]
    public void A_missing_num_output_is_an_error_at_the_definition()
    {
        var error = Assert.Throws<LayerNetException>(() => Layer.ConstructAt(DefinedAt, () => new LSTMLayer(Definition(outputs: 0))));

        Assert.That(error.Message, Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): recurrent_param.num_output 0 is out of range; expected at least 1"));
    }

    private static Blob Named(string name, params int[] shape) => new(shape) { Name = name };

    private static string SetUpError(LayerParameter definition, Blob[] bottom, int tops = 1)
    {
        var layer = Layer.ConstructAt(DefinedAt, () => new LSTMLayer(definition));
        var top = Enumerable.Range(0, tops).Select(i => Named($"top{i}")).ToArray();
        return Assert.Throws<LayerNetException>(() => layer.SetUp(bottom, top)).Message;
    }

    [Test]
    public void An_input_without_time_and_stream_axes_is_an_error()
    {
        Assert.That(
            SetUpError(Definition(), [Named("x", 3), Named("cont", 3, 1)]),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): bottom 'x' has shape 3 (3); the input needs at least 2 axes (time steps, streams, ...)"));
    }

    [Test]
    public void Cont_of_another_shape_is_an_error()
    {
        Assert.That(
            SetUpError(Definition(), [Named("x", 3, 2, 4), Named("cont", 2, 3)]),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): bottom 'cont' has shape 2 3 (6); the sequence continuation indicators need shape 3 2 (the time steps and streams of bottom 'x')"));
    }

    [Test]
    public void A_static_input_with_other_streams_is_an_error()
    {
        Assert.That(
            SetUpError(Definition(), [Named("x", 3, 2, 4), Named("cont", 3, 2), Named("xs", 3, 4)]),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): bottom 'xs' has shape 3 4 (12); the static input needs 2 streams on its first axis, as bottom 'x' has"));
    }

    [Test]
    public void An_initial_state_of_another_shape_is_an_error()
    {
        Assert.That(
            SetUpError(Definition(exposeHidden: true), [Named("x", 3, 2, 4), Named("cont", 3, 2), Named("h0", 1, 2, 3), Named("c0", 1, 2, 4)], tops: 3),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): bottom 'c0' has shape 1 2 4 (8); the initial cell state needs shape 1 2 3 (one step, streams, recurrent_param.num_output)"));
    }

    [Test]
    public void Expose_hidden_without_the_initial_states_is_an_error()
    {
        Assert.That(
            SetUpError(Definition(exposeHidden: true), [Named("x", 3, 2, 4), Named("cont", 3, 2)], tops: 3),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): expected 4 or 5 bottom blobs, got 2"));
        Assert.That(
            SetUpError(Definition(exposeHidden: true), [Named("x", 3, 2, 4), Named("cont", 3, 2), Named("h0", 1, 2, 3), Named("c0", 1, 2, 3)], tops: 1),
            Is.EqualTo("net.prototxt(7,1): layer 'lstm' (LSTM): expected 3 top blobs, got 1"));
    }

    [Test]
    public void Given_blobs_are_checked_against_Caffes_names_and_shapes()
    {
        var layer = new LSTMLayer(Definition());
        layer.SetGivenBlobs([new Blob(12, 4), new Blob(12), new Blob(3, 12)]);
        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2)], [new Blob()]));
        Assert.That(error.Message, Is.EqualTo("layer 'lstm' (LSTM): W_hc shape mismatch: the layer needs 12 3 (36), the given blob has 3 12 (36)"));

        layer = new LSTMLayer(Definition());
        layer.SetGivenBlobs([new Blob(12, 4), new Blob(12)]);
        error = Assert.Throws<LayerNetException>(() => layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2)], [new Blob()]));
        Assert.That(error.Message, Is.EqualTo("layer 'lstm' (LSTM): expected 3 learnable blobs (W_xc, b_c, W_hc), the model gives 2"));
    }

    [Test]
    public void An_input_size_other_than_the_set_up_one_is_an_error_at_reshape()
    {
        var layer = new LSTMLayer(Definition());
        var top = new Blob();
        layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2)], [top]);

        var error = Assert.Throws<LayerNetException>(() => layer.Reshape([Named("x", 3, 2, 5), new Blob(3, 2)], [top]));

        Assert.That(error.Message, Is.EqualTo("layer 'lstm' (LSTM): bottom 'x' has shape 3 2 5 (30), giving 5 inputs per step and stream from axis 2; the layer was set up for 4"));
    }

    [Test]
    public void Another_number_of_steps_or_streams_at_reshape_is_computed()
    {
        var layer = new LSTMLayer(Definition(outputs: 2)) { Random = new RandomSource(3) };
        var top = new Blob();
        layer.SetUp([new Blob(3, 2, 4), new Blob(3, 2)], [top]);
        var x = Uniform(16, 5, 3, 4);
        var cont = Cont(5, 3);

        layer.Reshape([x, cont], [top]);
        layer.Forward([x, cont], [top]);

        var zeros = new double[3 * 2];
        var inputs = new RecurrentReference.Inputs(5, 3, 4, x.Data.ToArray(), cont.Data.ToArray(), null);
        Assert.That(Doubles(top), Is.EqualTo(RecurrentReference.Lstm(inputs, 2, layer.Blobs, zeros, zeros, out _, out _)).Within(1e-5));
    }

    [Test]
    public void In_place_use_is_an_error()
    {
        var x = Named("x", 3, 2, 3);
        var layer = new LSTMLayer(Definition());

        var error = Assert.Throws<LayerNetException>(() => layer.SetUp([x, new Blob(3, 2)], [x]));

        Assert.That(error.Message, Is.EqualTo("layer 'lstm' (LSTM): top 'x' is the bottom; LSTM does not work in place"));
    }
}
