using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Plugins;

public sealed class LayerRegistrationTests
{
    /// <summary>A service a plugin layer asks for in its constructor.</summary>
    public sealed class Scale
    {
        public float Factor { get; init; } = 3f;
    }

    /// <summary>A plugin-style layer: y = factor * x, the factor from a registered service.</summary>
    public sealed class ScaleLayer(LayerParameter parameter, Scale scale) : Layer(parameter, bottoms: BlobArity.Exactly(1), tops: BlobArity.Exactly(1))
    {
        public float Factor { get; } = scale.Factor;

        protected override void ReshapeCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => top[0].ReshapeLike(bottom[0]);

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
            System.Numerics.Tensors.TensorPrimitives.Multiply(bottom[0].Data, Factor, top[0].Data);
    }

    /// <summary>Not a layer at all.</summary>
    public sealed class NotALayer;

    [Test]
    public void AddLayerNet_twice_returns_the_same_builder()
    {
        var services = new ServiceCollection();

        var first = services.AddLayerNet();
        var second = services.AddLayerNet();

        Assert.That(second, Is.SameAs(first));
        Assert.That(services.Count(d => d.ServiceType == typeof(LayerFactory)), Is.EqualTo(1));
    }

    [Test]
    public void A_registered_layer_is_created_by_its_type_with_services_from_the_provider()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new Scale { Factor = 2.5f });
        services.AddLayerNet().AddStandardLayers().AddLayer<ScaleLayer>("Scale2");
        var factory = services.BuildServiceProvider().GetRequiredService<LayerFactory>();

        var layer = factory.Create(new LayerParameter { Name = "s", Type = "Scale2" });

        Assert.That(layer, Is.TypeOf<ScaleLayer>());
        Assert.That(((ScaleLayer)layer).Factor, Is.EqualTo(2.5f));
        Assert.That(factory.IsRegistered("Scale2") && factory.IsRegistered("InnerProduct"), Is.True);
        Assert.That(factory.Registrations.Single(r => r.TypeName == "Scale2").Source, Is.EqualTo("built in"));
    }

    [Test]
    public void A_registered_layer_runs_in_a_net()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new Scale());
        services.AddLayerNet().AddStandardLayers().AddLayer<ScaleLayer>("Scale2");
        var factory = services.BuildServiceProvider().GetRequiredService<LayerFactory>();
        var parameter = LayerNet.Plugins.ParameterExtensions.None.Reader.Parse<NetParameter>("""
            layer { name: "data" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 } data_filler { value: 2 } } }
            layer { name: "scale" type: "Scale2" bottom: "x" top: "y" }
            """, "net.prototxt");

        var net = new LayerNet.Nets.Net(parameter, factory, new LayerNet.Nets.NetOptions { State = new NetState { Phase = Phase.Train } });
        net.Forward();

        Assert.That(net.Blob("y").Data.ToArray(), Is.All.EqualTo(6f));
    }

    [Test]
    public void Registering_a_type_name_twice_names_both_sources()
    {
        var builder = new ServiceCollection().AddLayerNet().AddStandardLayers().For("plugins/MyLayers.dll");

        var error = Assert.Throws<LayerNetException>(() => builder.AddLayer<ScaleLayer>("Sigmoid"));

        Assert.That(
            error.Message,
            Is.EqualTo($"layer type 'Sigmoid' is registered twice: by built in (LayerNet.Layers.Neuron.SigmoidLayer) and by plugins/MyLayers.dll ({typeof(ScaleLayer).FullName})"));
    }

    [Test]
    public void The_factory_rejects_a_type_name_registered_twice_outside_the_builder()
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddLayer<ScaleLayer>("Scale2");
        services.AddSingleton(new LayerRegistration("Scale2", typeof(ScaleLayer), "other.dll"));

        var error = Assert.Throws<LayerNetException>(() => services.BuildServiceProvider().GetRequiredService<LayerFactory>());

        Assert.That(error.Message, Does.StartWith("layer type 'Scale2' is registered twice: by built in").And.Contain("by other.dll"));
    }

    [Test]
    public void Only_a_concrete_layer_class_can_be_registered()
    {
        var builder = new ServiceCollection().AddLayerNet();

        Assert.That(() => builder.AddLayer("Bad", typeof(NotALayer)), Throws.TypeOf<LayerNetException>().With.Message.Contains("is not a concrete class derived from LayerNet.Layers.Layer"));
        Assert.That(() => builder.AddLayer<NeuronLayer>("Abstract"), Throws.TypeOf<LayerNetException>().With.Message.Contains("'Abstract'"));
    }

    [Test]
    public void A_plugin_builder_attributes_its_registrations_and_leaves_the_built_in_ones_alone()
    {
        var builder = new ServiceCollection().AddLayerNet();

        builder.AddStandardLayers().For("plugin.dll").AddLayer<ScaleLayer>("Scale2");

        var factory = builder.Services.AddSingleton(new Scale()).BuildServiceProvider().GetRequiredService<LayerFactory>();
        Assert.That(factory.Registrations.Single(r => r.TypeName == "Scale2").Source, Is.EqualTo("plugin.dll"));
        Assert.That(factory.Registrations.Single(r => r.TypeName == "InnerProduct").Source, Is.EqualTo("built in"));
    }

    [Test]
    public void A_constructor_needing_an_unregistered_service_is_an_error_naming_the_layer()
    {
        var services = new ServiceCollection();
        services.AddLayerNet().AddLayer<ScaleLayer>("Scale2");
        var factory = services.BuildServiceProvider().GetRequiredService<LayerFactory>();

        var error = Assert.Throws<LayerNetException>(() => factory.Create(new LayerParameter { Name = "s", Type = "Scale2" }));

        Assert.That(error.Message, Does.StartWith($"layer 's' (Scale2): cannot create {typeof(ScaleLayer).FullName} from built in: "));
    }
}
