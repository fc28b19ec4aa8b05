using System.Reflection;
using System.Runtime.Loader;

namespace LayerNet.Plugins;

/// <summary>
/// The load context of one plugin: the plugin's own dependencies resolve from its folder (through its
/// .deps.json, by <see cref="AssemblyDependencyResolver"/>), while the contract assemblies are shared with
/// the host so that the plugin's layers are the host's <see cref="Layers.Layer"/> and its messages the
/// host's protobuf types.
/// </summary>
internal sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext(name: Path.GetFileNameWithoutExtension(pluginPath), isCollectible: false)
{
    /// <summary>Assemblies every plugin shares with the host.</summary>
    public static readonly IReadOnlySet<string> SharedAssemblies = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "LayerNet.Framework",
        "LayerNet.Layers",
        "Google.Protobuf",
        "Microsoft.Extensions.DependencyInjection.Abstractions",
        "System.Numerics.Tensors",
    };

    private readonly AssemblyDependencyResolver _resolver = new(pluginPath);

    /// <inheritdoc/>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && SharedAssemblies.Contains(name))
        {
            // Null defers to the default context: the host's copy.
            return null;
        }

        // A dependency the .deps.json lists but the folder lacks defers to the default context too, whose failure
        // names the assembly (not the path where it should have been).
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null || !File.Exists(path) ? null : LoadFromAssemblyPath(path);
    }

    /// <inheritdoc/>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
