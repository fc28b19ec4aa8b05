using Caffe;
using LayerNet.Plugins;
using LayerNet.Errors;
using LayerNet.Framework.Tests.Nets;
using LayerNet.Text;

namespace LayerNet.Framework.Tests.Layers;

public sealed class LayerFactoryTests
{
    [Test]
    public void An_unknown_type_names_the_layer_the_place_the_nearest_type_and_all_registered_types()
    {
        var (net, source) = ParameterExtensions.None.Reader.ParseDocument<NetParameter>("name: \"n\"\nlayer { name: \"ip1\" type: \"InnerProdcut\" }\n", "net.prototxt");
        var origin = Origin.At(source.Child(NetParameter.LayerFieldNumber, 0)!.Position);

        var error = Assert.Throws<LayerNetException>(() => TestNets.Factory.Create(net.Layer[0], origin));

        var registered = string.Join(", ", TestNets.Factory.Registrations.Select(r => r.TypeName));
        Assert.That(
            error.Message,
            Is.EqualTo($"net.prototxt(2,1): layer 'ip1' has unknown type 'InnerProdcut'; did you mean 'InnerProduct'? Registered types: {registered}. A plugin's layers need --plugin or LAYERNET_PLUGIN_PATH."));
        Assert.That(error.Position?.Line, Is.EqualTo(2));
    }

    [Test]
    public void A_type_nothing_like_a_registered_one_gets_no_suggestion()
    {
        var error = Assert.Throws<LayerNetException>(() => TestNets.Factory.Create(new LayerParameter { Name = "x", Type = "Zzzzzzzzzzzz" }));

        Assert.That(error.Message, Does.StartWith("layer 'x' has unknown type 'Zzzzzzzzzzzz' Registered types: "));
    }

    [Test]
    public void A_layer_without_a_type_is_an_error()
    {
        var error = Assert.Throws<LayerNetException>(() => TestNets.Factory.Create(new LayerParameter { Name = "x" }));

        Assert.That(error.Message, Does.StartWith("layer 'x' has no type"));
    }

    [Test]
    public void The_type_is_matched_exactly()
    {
        var error = Assert.Throws<LayerNetException>(() => TestNets.Factory.Create(new LayerParameter { Name = "x", Type = "sigmoid" }));

        Assert.That(error.Message, Does.Contain("did you mean 'Sigmoid'?"));
    }

    [Test]
    public void The_factory_creates_the_registered_class()
    {
        var layer = TestNets.Factory.Create(new LayerParameter { Name = "s", Type = "Sigmoid" });

        Assert.That(layer.GetType().Name, Is.EqualTo("SigmoidLayer"));
        Assert.That(layer.Name, Is.EqualTo("s"));
        Assert.That(layer.Type, Is.EqualTo("Sigmoid"));
    }
}
