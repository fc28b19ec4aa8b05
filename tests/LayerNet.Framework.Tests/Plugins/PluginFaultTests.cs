using Caffe;
using LayerNet.Blobs;
using LayerNet.Errors;
using LayerNet.Layers;
using LayerNet.Plugins;
using LayerNet.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace LayerNet.Framework.Tests.Plugins;

/// <summary>Whatever a plugin's code throws while it registers or while its layer is built is one line naming the plugin.</summary>
public sealed class PluginFaultTests
{
    private const string PluginPath = "plugins/Broken.dll";

    /// <summary>A plugin's own exception type.</summary>
    public sealed class PluginConfigurationException(string message) : Exception(message);

    public sealed class NotImplementedPlugin : ILayerPlugin
    {
        public void Register(LayerNetBuilder builder) => throw new NotImplementedException("Swish is coming");
    }

    public sealed class CustomExceptionPlugin : ILayerPlugin
    {
        public void Register(LayerNetBuilder builder) => throw new PluginConfigurationException("no swish.json\nbeside the plugin");
    }

    public sealed class OutOfMemoryPlugin : ILayerPlugin
    {
        // What an allocation far beyond the memory throws (an array of 2^31 elements would be refused another way).
#pragma warning disable CA2201 // the runtime's own exception type: the point of the test
        public void Register(LayerNetBuilder builder) => throw new OutOfMemoryException("cannot allocate the lookup table");
#pragma warning restore CA2201
    }

    public sealed class ThrowingConstructorPlugin : ILayerPlugin
    {
        public ThrowingConstructorPlugin() => throw new PluginConfigurationException("not today");

        public void Register(LayerNetBuilder builder)
        {
        }
    }

    /// <summary>Registers a layer whose type name is read from a static field that cannot initialise.</summary>
    public sealed class StaticFieldPlugin : ILayerPlugin
    {
        public void Register(LayerNetBuilder builder) => builder.AddLayer<UninitializableLayer>(UninitializableLayer.TypeName);
    }

    public sealed class UninitializableLayer(LayerParameter parameter) : Layer(parameter)
    {
        // An explicit static constructor, so that it runs before the first instance too (not only on first use of TypeName).
        static UninitializableLayer() => TypeName = Fail();

        public static string TypeName { get; }

        public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
        }

        protected override void ForwardCore(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        {
        }

        private static string Fail() => throw new PluginConfigurationException("the table is missing");
    }

    public sealed class ClashingSolverPlugin : ILayerPlugin
    {
        public void Register(LayerNetBuilder builder) => builder.AddSolver<SgdSolver>("Adam");
    }

    [TestCase(typeof(NotImplementedPlugin), "plugin 'plugins/Broken.dll': its registration failed: NotImplementedException: Swish is coming")]
    [TestCase(typeof(CustomExceptionPlugin), "plugin 'plugins/Broken.dll': its registration failed: PluginConfigurationException: no swish.json beside the plugin")]
    [TestCase(typeof(OutOfMemoryPlugin), "plugin 'plugins/Broken.dll': its registration failed: OutOfMemoryException: cannot allocate the lookup table")]
    [TestCase(typeof(ThrowingConstructorPlugin), "plugin 'plugins/Broken.dll': its ThrowingConstructorPlugin failed: PluginConfigurationException: not today")]
    [TestCase(
        typeof(StaticFieldPlugin),
        "plugin 'plugins/Broken.dll': its registration failed: the static constructor of UninitializableLayer failed: PluginConfigurationException: the table is missing")]
    public void Any_exception_from_a_registration_is_one_line_naming_the_plugin(Type entryPoint, string expected)
    {
        var builder = new ServiceCollection().AddLayerNet();

        var error = Assert.Throws<LayerNetException>(() => PluginLoader.Register(PluginPath, entryPoint, builder));

        Assert.That(error.Message, Is.EqualTo(expected));
    }

    [Test]
    public void A_second_registration_of_a_solver_type_is_refused_naming_both_sources()
    {
        var builder = new ServiceCollection().AddLayerNet();

        var error = Assert.Throws<LayerNetException>(() => PluginLoader.Register(PluginPath, typeof(ClashingSolverPlugin), builder));

        Assert.That(
            error.Message,
            Is.EqualTo("solver type 'Adam' is registered twice: by built in (LayerNet.Solvers.AdamSolver) and by plugins/Broken.dll (LayerNet.Solvers.SgdSolver)"));
    }

    [Test]
    public void The_solver_factory_refuses_a_solver_type_registered_twice_outside_the_builder()
    {
        var services = new ServiceCollection();
        services.AddLayerNet();
        services.AddSingleton(new SolverRegistration("SGD", typeof(AdamSolver), "other.dll"));

        var error = Assert.Throws<LayerNetException>(() => services.BuildServiceProvider().GetRequiredService<SolverFactory>());

        Assert.That(error.Message, Is.EqualTo("solver type 'SGD' is registered twice: by built in (LayerNet.Solvers.SgdSolver) and by other.dll (LayerNet.Solvers.AdamSolver)"));
    }

    [Test]
    public void A_layer_whose_static_constructor_throws_is_one_line_naming_the_layer_and_the_plugin()
    {
        var services = new ServiceCollection();
        services.AddLayerNet().For(PluginPath).AddLayer<UninitializableLayer>("Uninitializable");
        var factory = services.BuildServiceProvider().GetRequiredService<LayerFactory>();

        var error = Assert.Throws<LayerNetException>(() => factory.Create(new LayerParameter { Name = "u", Type = "Uninitializable" }));

        Assert.That(
            error.Message,
            Is.EqualTo($"layer 'u' (Uninitializable): cannot create {typeof(UninitializableLayer).FullName} from plugins/Broken.dll: the static constructor of UninitializableLayer failed: PluginConfigurationException: the table is missing"));
    }
}
