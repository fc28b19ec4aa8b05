using Caffe;
using LayerNet.Files;
using LayerNet.Plugins;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>The lecture's two-layer net against the numbers real Caffe printed for it (fixtures/caffe/two_layer).</summary>
public sealed class CaffeTwoLayerTests
{
    [Test]
    public void The_first_forward_pass_from_Caffes_initial_weights_gives_Caffes_loss()
    {
        // The HDF5 source list data.txt is relative; the layer finds it beside the model file.
        var parameter = ParameterExtensions.None.Reader.ReadDocument<NetParameter>(Fixtures.File("caffe", "two_layer", "net.prototxt"));
        var net = TestNets.Build(parameter, new NetState { Phase = Phase.Train });
        net.CopyTrainedLayersFrom(MessageFile.ReadBinary<NetParameter>(Fixtures.File("caffe", "two_layer", "init_iter_0.caffemodel"), ParameterExtensions.None), "init_iter_0.caffemodel");

        var loss = net.Forward();

        // caffe_loss.csv, iteration 0: 37363.6 (Caffe prints 6 significant digits).
        Assert.That(loss, Is.EqualTo(37363.6).Within(0.05));
        Assert.That(net.Blob("loss").Data[0] * 128, Is.EqualTo(loss).Within(0.01));
    }

    [Test]
    public void Caffes_iteration_0_loss_is_the_one_in_the_fixture()
    {
        var first = File.ReadLines(Fixtures.File("caffe", "two_layer", "caffe_loss.csv")).First();

        Assert.That(first, Is.EqualTo("0,37363.6"));
    }
}
