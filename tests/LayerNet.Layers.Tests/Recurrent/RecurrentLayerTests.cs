using Caffe;
using LayerNet.Blobs;
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
}
