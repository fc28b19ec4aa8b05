using Caffe;
using LayerNet.Layers.Neuron;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests.Neuron;

[TestFixture]
public sealed class NeuronLayersTests
{
    [TestCase("Sigmoid", typeof(SigmoidLayer))]
    [TestCase("ReLU", typeof(ReLULayer))]
    [TestCase("PReLU", typeof(PReLULayer))]
    [TestCase("ELU", typeof(ELULayer))]
    [TestCase("TanH", typeof(TanHLayer))]
    [TestCase("AbsVal", typeof(AbsValLayer))]
    [TestCase("Power", typeof(PowerLayer))]
    [TestCase("Exp", typeof(ExpLayer))]
    [TestCase("Log", typeof(LogLayer))]
    [TestCase("BNLL", typeof(BNLLLayer))]
    [TestCase("Dropout", typeof(DropoutLayer))]
    public void Each_layer_is_registered_under_its_Caffe_type_name(string type, Type layerType)
    {
        using var services = new ServiceCollection().AddLayerNet().AddNeuronLayers().Services.BuildServiceProvider();
        var factory = services.GetRequiredService<LayerFactory>();

        var layer = factory.Create(new LayerParameter { Name = "n", Type = type });

        Assert.That(layer, Is.TypeOf(layerType));
    }
}
