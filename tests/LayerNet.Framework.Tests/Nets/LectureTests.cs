using Caffe;
using LayerNet.Plugins;
using LayerNet.Nets;
using LayerNet.Testing;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Nets;

/// <summary>The lecture's worked examples, run as the model files in models/lecture, to the lecture's printed precision.</summary>
public sealed class LectureTests
{
    private const double Printed = 0.005;

    private static Net RunForwardBackward(string file)
    {
        var parameter = ParameterExtensions.None.Reader.ReadDocument<NetParameter>(Fixtures.InRepository("models", "lecture", file)).Message;
        parameter.ForceBackward = true;
        var net = TestNets.Build(parameter, new NetState { Phase = Phase.Train });
        net.ForwardBackward();
        return net;
    }

    [Test]
    public void The_circuit_gives_f_and_its_gradients()
    {
        var net = RunForwardBackward("circuit.prototxt");

        Assert.That(net.Blob("q").Data[0], Is.EqualTo(3).Within(Printed));
        Assert.That(net.Blob("f").Data[0], Is.EqualTo(-12).Within(Printed));
        Assert.That(net.Blob("x").Diff[0], Is.EqualTo(-4).Within(Printed), "df/dx");
        Assert.That(net.Blob("y").Diff[0], Is.EqualTo(-4).Within(Printed), "df/dy");
        Assert.That(net.Blob("z").Diff[0], Is.EqualTo(3).Within(Printed), "df/dz");
        Assert.That(net.Blob("q").Diff[0], Is.EqualTo(-4).Within(Printed), "df/dq");
    }

    [Test]
    public void The_circuit_reports_f_as_its_loss()
    {
        var parameter = ParameterExtensions.None.Reader.ReadDocument<NetParameter>(Fixtures.InRepository("models", "lecture", "circuit.prototxt")).Message;
        var net = TestNets.Build(parameter, new NetState { Phase = Phase.Train });

        Assert.That(net.Forward(), Is.EqualTo(-12).Within(Printed));
        Assert.That(net.LayerNeedBackward[TestNets.IndexOf(net, "add")], Is.True, "the file itself asks for force_backward");
    }

    [Test]
    public void The_sigmoid_neuron_gives_f_and_its_gradients()
    {
        var net = RunForwardBackward("sigmoid_neuron.prototxt");
        var neuron = net.FindLayer("neuron")!;

        Assert.That(net.Blob("dot").Data[0], Is.EqualTo(1).Within(Printed));
        Assert.That(net.Blob("f").Data[0], Is.EqualTo(0.73).Within(Printed));
        Assert.That(neuron.Blobs[0].Diff[0], Is.EqualTo(-0.20).Within(Printed), "df/dw0");
        Assert.That(neuron.Blobs[0].Diff[1], Is.EqualTo(-0.39).Within(Printed), "df/dw1");
        Assert.That(neuron.Blobs[1].Diff[0], Is.EqualTo(0.20).Within(Printed), "df/dw2 (the bias)");
        Assert.That(net.Blob("x").Diff[0], Is.EqualTo(0.39).Within(Printed), "df/dx0");
        Assert.That(net.Blob("x").Diff[1], Is.EqualTo(-0.59).Within(Printed), "df/dx1");
        Assert.That(net.FindLayer("x")!.Blobs[0].Diff.ToArray(), Is.EqualTo(net.Blob("x").Diff.ToArray()), "the Parameter layer's top is its blob");
    }
}
