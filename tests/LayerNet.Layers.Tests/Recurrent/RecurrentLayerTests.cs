using Caffe;
using LayerNet.Blobs;
using LayerNet.Fillers;
using LayerNet.Layers.Recurrent;
using static LayerNet.Layers.Tests.Recurrent.RecurrentTestBlobs;

namespace LayerNet.Layers.Tests.Recurrent;

/// <summary>What RNN and LSTM share through <see cref="RecurrentLayer"/>.</summary>
[TestFixture]
public sealed class RecurrentLayerTests
{
    private static RecurrentLayer Create(string type)
    {
        var definition = RecurrentTestBlobs.Definition(type, outputs: 3, exposeHidden: false);
        return type == "LSTM" ? new LSTMLayer(definition) : new RNNLayer(definition);
    }

    [TestCase("RNN")]
    [TestCase("LSTM")]
    public void Cont_cannot_be_forced_to_backward_and_gets_zeros_if_asked(string type)
    {
        var x = Uniform(15, 2, 2, 3);
        var cont = Cont(2, 2);
        cont.Diff.Fill(7f);
        var top = new Blob();
        var layer = Create(type);
        layer.SetUp([x, cont], [top]);
        layer.Forward([x, cont], [top]);
        top.Diff.Fill(1f);

        layer.Backward([top], [true, true], [x, cont]);

        Assert.That(layer.AllowForceBackward(0), Is.True);
        Assert.That(layer.AllowForceBackward(1), Is.False);
        Assert.That(cont.Diff.ToArray(), Is.All.Zero);
        Assert.That(x.Diff.ToArray(), Has.Some.Not.Zero);
    }

    [TestCase("RNN")]
    [TestCase("LSTM")]
    public void Parameter_gradients_accumulate_and_are_skipped_where_not_wanted(string type)
    {
        var x = Uniform(16, 3, 2, 2);
        var cont = Cont(3, 2);
        var top = new Blob();
        var layer = Create(type);
        layer.SetUp([x, cont], [top]);
        layer.Forward([x, cont], [top]);
        Uniform(17, 3, 2, 3).Data.CopyTo(top.Diff);
        layer.Backward([top], [false, false], [x, cont]);
        var once = layer.Blobs.Select(b => b.Diff.ToArray()).ToArray();
        layer.SetParamPropagateDown(1, false);

        layer.Backward([top], [false, false], [x, cont]);

        for (var i = 0; i < layer.Blobs.Count; i++)
        {
            var expected = i == 1 ? once[i] : once[i].Select(v => 2 * v).ToArray();
            Assert.That(layer.Blobs[i].Diff.ToArray(), Is.EqualTo(expected).Within(1e-6f), $"blob {i}");
            Assert.That(once[i], Has.Some.Not.Zero, $"blob {i}");
        }
    }

    [Test]
    public void Set_up_draws_the_fills_of_Caffes_unrolled_net_in_its_order()
    {
        // LSTM, T = 3: x_transform fills W_xc and b_c, then each of the 3 steps' transform fills a W_hc (Caffe keeps
        // the first and shares it).
        var definition = RecurrentTestBlobs.Definition("LSTM", outputs: 2, exposeHidden: false);
        var layer = new LSTMLayer(definition) { Random = new RandomSource(21) };
        layer.SetUp([new Blob(3, 1, 2), Cont(3, 1)], [new Blob()]);

        var random = new RandomSource(21);
        var weights = new Filler(definition.RecurrentParam.WeightFiller);
        Blob wx = new(8, 2), bias = new(8), wh = new(8, 2), discarded = new(8, 2);
        weights.Fill(wx, random);
        new Filler(definition.RecurrentParam.BiasFiller).Fill(bias, random);
        weights.Fill(wh, random);
        weights.Fill(discarded, random);
        weights.Fill(discarded, random);

        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(wx.Data.ToArray()));
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.EqualTo(bias.Data.ToArray()));
        Assert.That(layer.Blobs[2].Data.ToArray(), Is.EqualTo(wh.Data.ToArray()));
        Assert.That(layer.Random.NextUInt64(), Is.EqualTo(random.NextUInt64()), "the generator is where Caffe's would be");
    }

    [Test]
    public void Set_up_draws_the_RNN_steps_fills_as_W_hh_W_ho_b_o_per_step()
    {
        var definition = RecurrentTestBlobs.Definition("RNN", outputs: 2, exposeHidden: false);
        var layer = new RNNLayer(definition) { Random = new RandomSource(22) };
        layer.SetUp([new Blob(2, 1, 3), Cont(2, 1)], [new Blob()]);

        var random = new RandomSource(22);
        var weights = new Filler(definition.RecurrentParam.WeightFiller);
        var biases = new Filler(definition.RecurrentParam.BiasFiller);
        Blob[] expected = [new(2, 3), new(2), new(2, 2), new(2, 2), new(2)];
        for (var i = 0; i < expected.Length; i++)
        {
            (expected[i].AxisCount == 1 ? biases : weights).Fill(expected[i], random);
        }

        Blob hh = new(2, 2), ho = new(2, 2), bo = new(2);
        weights.Fill(hh, random);
        weights.Fill(ho, random);
        biases.Fill(bo, random);

        Assert.That(layer.Blobs.Select(b => b.Data.ToArray()), Is.EqualTo(expected.Select(b => b.Data.ToArray())));
        Assert.That(layer.Random.NextUInt64(), Is.EqualTo(random.NextUInt64()), "the generator is where Caffe's would be");
    }

    [Test]
    public void Given_blobs_draw_nothing()
    {
        var layer = new LSTMLayer(RecurrentTestBlobs.Definition("LSTM", outputs: 2, exposeHidden: false)) { Random = new RandomSource(23) };
        layer.SetGivenBlobs([new Blob(8, 2), new Blob(8), new Blob(8, 2)]);

        layer.SetUp([new Blob(3, 1, 2), Cont(3, 1)], [new Blob()]);

        Assert.That(layer.Random.NextUInt64(), Is.EqualTo(new RandomSource(23).NextUInt64()));
    }
}
