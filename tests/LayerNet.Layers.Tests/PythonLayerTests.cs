using Caffe;
using LayerNet.Errors;
using LayerNet.Plugins;
using LayerNet.Text;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Layers.Tests;

[TestFixture]
public sealed class PythonLayerTests
{
    [Test]
    public void A_Python_layer_is_told_in_one_line_to_become_a_plugin_at_its_place()
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();
        var text = """
            name: "n"
            layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 1 } } }
            layer {
              name: "py" type: "Python" bottom: "x" top: "y"
              python_param { module: "my_layers" layer: "MyLayer" }
            }
            """;
        var net = services.GetRequiredService<PrototxtReader>().ParseDocument<NetParameter>(text, "net.prototxt");

        var error = Assert.Throws<LayerNetException>(() => _ = new Nets.Net(net.Message, services.GetRequiredService<LayerFactory>(), new Nets.NetOptions { Source = net.Source }));

        Assert.That(error.Message, Does.Contain("layer 'py' is a Python layer (python_param module 'my_layers', layer 'MyLayer'): LayerNet runs no Python; rewrite it as a layer plugin, as README.md's section \"Writing a layer plugin\" shows, and load it with --plugin or LAYERNET_PLUGIN_PATH."));
        Assert.That(error.Message, Does.Not.Contain("Registered types"));
        Assert.That(error.Message, Does.Not.Contain("\n"));
        Assert.That(error.Position?.Line, Is.EqualTo(3));
    }

    [Test]
    public void Without_python_param_the_line_names_the_layer_alone()
    {
        using var services = new ServiceCollection().AddLayerNet().AddStandardLayers().Services.BuildServiceProvider();

        var error = Assert.Throws<LayerNetException>(() => services.GetRequiredService<LayerFactory>().Create(new LayerParameter { Name = "py", Type = "Python" }));

        Assert.That(error.Message, Does.StartWith("layer 'py' is a Python layer: LayerNet runs no Python; rewrite it as a layer plugin"));
    }
}
