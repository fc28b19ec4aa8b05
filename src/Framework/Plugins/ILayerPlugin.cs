namespace LayerNet.Plugins;

/// <summary>
/// The one entry point of a plugin assembly: a public class with a parameterless constructor implementing this
/// interface. The runner creates it after loading the assembly and calls <see cref="Register"/>, where the plugin
/// adds its layers, solvers, parameter messages and any services, exactly as the built-in layers do
/// (<c>AddStandardLayers</c> is the same kind of call).
/// </summary>
/// <example>
/// <code>
/// public sealed class SwishPlugin : ILayerPlugin
/// {
///     public void Register(LayerNetBuilder builder) => builder
///         .AddParameterExtensions(SwishReflection.Descriptor)
///         .AddLayer&lt;SwishLayer&gt;("Swish");
/// }
/// </code>
/// </example>
public interface ILayerPlugin
{
    /// <summary>Adds the plugin's registrations.</summary>
    void Register(LayerNetBuilder builder);
}
