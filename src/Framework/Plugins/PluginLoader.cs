using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using LayerNet.Errors;

namespace LayerNet.Plugins;

/// <summary>
/// Loads plugin assemblies, each into its own <see cref="System.Runtime.Loader.AssemblyLoadContext"/>, and lets
/// each register through its <see cref="ILayerPlugin"/>. Every failure is a one-line
/// <see cref="LayerNetException"/> naming the file: missing, not a .NET assembly, no entry point, built against
/// an incompatible LayerNet.Framework, a type name that clashes with one already registered, or any exception the
/// plugin's code throws while it registers.
/// </summary>
public static class PluginLoader
{
    /// <summary>The environment variable listing plugin folders (separated by the platform's path separator).</summary>
    public const string PathVariable = "LAYERNET_PLUGIN_PATH";

    /// <summary>Loads one plugin assembly and runs its registration.</summary>
    public static void Load(string path, LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(builder);
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new LayerNetException($"plugin '{path}': is a folder; give the plugin's .dll (or list the folder in {PathVariable})");
        }

        switch (PluginFile.Classify(fullPath))
        {
            case PluginFile.Kind.Missing:
                throw new LayerNetException($"plugin '{path}': no such file");
            case PluginFile.Kind.DanglingLink:
                throw new LayerNetException($"plugin '{path}': a link to '{new FileInfo(fullPath).LinkTarget}', which does not exist");
            case PluginFile.Kind.Other:
                // A FIFO would block the first read until someone writes to it; a device may never end.
                throw new LayerNetException($"plugin '{path}': not a regular file");
        }

        try
        {
            AssemblyName.GetAssemblyName(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw new LayerNetException($"plugin '{path}': not a .NET assembly; give the .dll that `dotnet build` writes for the plugin project");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"plugin '{path}': cannot read: {exception.Message.ReplaceLineEndings(" ")}", exception);
        }

        var host = typeof(ILayerPlugin).Assembly.GetName();
        PluginLoadContext context;
        try
        {
            context = new PluginLoadContext(fullPath);
        }
        catch (InvalidOperationException exception)
        {
            // The runtime's dependency resolver refuses a .deps.json it cannot parse; its message spans lines.
            var detail = exception.Message.Split("Detailed error: ", 2)[^1].ReplaceLineEndings(" ").Trim();
            throw new LayerNetException($"plugin '{path}': cannot read {Path.ChangeExtension(Path.GetFileName(fullPath), ".deps.json")} beside it: {detail}", exception);
        }

        Assembly assembly;
        try
        {
            assembly = context.LoadFromAssemblyPath(fullPath);
        }
        catch (Exception exception) when (exception is FileLoadException or BadImageFormatException)
        {
            throw new LayerNetException($"plugin '{path}': cannot load: {exception.Message.ReplaceLineEndings(" ")}", exception);
        }

        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            if (reference.Name == host.Name && reference.Version is { } version && host.Version is { } hostVersion
                && FrameworkCompatibility.Refusal(version, hostVersion) is { } refusal)
            {
                throw new LayerNetException($"plugin '{path}': {refusal}");
            }
        }

        var entryPoints = FindEntryPoints(assembly, path);
        if (entryPoints.Count == 0)
        {
            throw new LayerNetException($"plugin '{path}': no registration entry point; add a public class implementing {typeof(ILayerPlugin).FullName}");
        }

        if (entryPoints.Count > 1)
        {
            throw new LayerNetException($"plugin '{path}': more than one registration entry point ({string.Join(", ", entryPoints.Select(t => t.FullName))}); keep one {nameof(ILayerPlugin)}");
        }

        Register(path, entryPoints[0], builder);
    }

    /// <summary>
    /// Creates a plugin's entry point and lets it register, its registrations attributed to <paramref name="path"/>.
    /// Whatever the plugin's code throws becomes one line naming the plugin; a <see cref="LayerNetException"/>
    /// (a clash, a class that is not a layer) already names what it is about and passes through.
    /// </summary>
    internal static void Register(string path, Type entryPoint, LayerNetBuilder builder)
    {
        ILayerPlugin plugin;
        try
        {
            plugin = (ILayerPlugin)Activator.CreateInstance(entryPoint)!;
        }
        catch (Exception exception) when (exception is not LayerNetException)
        {
            throw Fault(path, $"its {entryPoint.Name} failed", exception);
        }

        try
        {
            plugin.Register(builder.For(path));
        }
        catch (Exception exception) when (exception is not LayerNetException)
        {
            throw Fault(path, "its registration failed", exception);
        }
    }

    /// <summary>The one-line error for an exception a plugin's code threw while <paramref name="doing"/>.</summary>
    internal static LayerNetException Fault(string path, string doing, Exception exception)
    {
        var inner = PluginFault.Unwrap(exception);
        if (inner is LayerNetException located)
        {
            return located;
        }

        if (MissingDependency(path, inner) is { } missing)
        {
            return missing;
        }

        return PluginFault.IsIncompatibility(inner)
            ? new LayerNetException($"plugin '{path}': incompatible with this LayerNet.Framework ({typeof(ILayerPlugin).Assembly.GetName().Version}): {inner.Message.ReplaceLineEndings(" ")}; rebuild the plugin against it", inner)
            : new LayerNetException($"plugin '{path}': {doing}: {PluginFault.Describe(inner)}", inner);
    }

    /// <summary>
    /// The one-line error for an assembly the plugin needs that is neither beside it nor part of the runner (the
    /// runtime reports it as a file it cannot find), or null when <paramref name="exception"/> is something else.
    /// </summary>
    internal static LayerNetException? MissingDependency(string path, Exception exception)
    {
        if (exception is not FileNotFoundException { FileName: { Length: > 0 } fileName })
        {
            return null;
        }

        AssemblyName needed;
        try
        {
            needed = new AssemblyName(fileName);
        }
        catch (FileLoadException)
        {
            return null;
        }

        if (needed.Name is not { } name || PluginLoadContext.SharedAssemblies.Contains(name))
        {
            return null;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        return new LayerNetException(
            $"plugin '{path}': needs assembly {name} {needed.Version}, which is not in its folder '{folder}'; copy {name}.dll there from the plugin's build output",
            exception);
    }

    /// <summary>
    /// Loads every plugin in a folder: each .dll that defines a class implementing <see cref="ILayerPlugin"/>
    /// (read from its metadata without loading it; the plugin's dependencies beside it are skipped). A name that is
    /// not a regular file (a FIFO, a device, a folder) is skipped with a warning, never opened.
    /// </summary>
    private static void LoadFolder(string folder, LayerNetBuilder builder, bool allowWritable, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new LayerNetException($"plugin folder '{folder}' (from {PathVariable}) does not exist");
        }

        RefuseWritable(folder, "plugin folder", allowWritable);
        foreach (var file in Directory.GetFileSystemEntries(folder, "*.dll").OrderBy(f => f, StringComparer.Ordinal))
        {
            switch (PluginFile.Classify(file))
            {
                case PluginFile.Kind.Other:
                    warnings.WriteLine($"warning: plugin '{file}' skipped: not a regular file");
                    continue;
                case PluginFile.Kind.DanglingLink:
                    throw new LayerNetException($"plugin '{file}' (from {PathVariable}): a link to '{new FileInfo(file).LinkTarget}', which does not exist");
                case PluginFile.Kind.Missing:
                    continue;
            }

            if (DefinesEntryPoint(file))
            {
                RefuseWritable(file, "plugin", allowWritable);
                Load(file, builder);
            }
        }
    }

    /// <summary>
    /// Loads the plugins named on the command line, then those in the folders of <see cref="PathVariable"/>; a
    /// plugin or plugin folder that others than its owner may write is refused, and non-regular files in a plugin
    /// folder are skipped with a warning on standard error.
    /// </summary>
    public static void LoadAll(IEnumerable<string> paths, LayerNetBuilder builder) =>
        LoadAll(paths, builder, allowWritable: false, Console.Error);

    /// <summary>
    /// Loads the plugins named on the command line, then those in the folders of <see cref="PathVariable"/>.
    /// Unless <paramref name="allowWritable"/>, a plugin file, its folder or a plugin folder that the group or others
    /// may write is refused (anyone who can write there chooses the code the runner runs). Non-regular files in a
    /// plugin folder are skipped with a line on <paramref name="warnings"/>.
    /// </summary>
    public static void LoadAll(IEnumerable<string> paths, LayerNetBuilder builder, bool allowWritable, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(warnings);
        foreach (var path in paths)
        {
            if (PluginFile.Classify(Path.GetFullPath(path)) == PluginFile.Kind.Regular)
            {
                RefuseWritable(Path.GetDirectoryName(Path.GetFullPath(path))!, "plugin folder", allowWritable);
                RefuseWritable(path, "plugin", allowWritable);
            }

            Load(path, builder);
        }

        var folders = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(folders))
        {
            foreach (var folder in folders.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                LoadFolder(folder, builder, allowWritable, warnings);
            }
        }
    }

    private static void RefuseWritable(string path, string what, bool allowWritable)
    {
        if (!allowWritable && PluginFile.WritableByOthers(path))
        {
            throw new LayerNetException(
                $"{what} '{path}' is writable by others; remove their write permission (chmod go-w '{path}') or pass --allow-writable-plugins");
        }
    }

    private static List<Type> FindEntryPoints(Assembly assembly, string path)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            foreach (var loaderException in exception.LoaderExceptions)
            {
                if (loaderException is not null && MissingDependency(path, loaderException) is { } missing)
                {
                    throw missing;
                }
            }

            var first = exception.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? exception.Message;
            throw new LayerNetException($"plugin '{path}': incompatible with this LayerNet.Framework: {first.ReplaceLineEndings(" ")}; rebuild the plugin against it", exception);
        }

        var entryPoints = new List<Type>();
        foreach (var type in types)
        {
            if (type is { IsPublic: true, IsAbstract: false, IsClass: true } && typeof(ILayerPlugin).IsAssignableFrom(type))
            {
                entryPoints.Add(type);
            }
        }

        return entryPoints;
    }

    private static bool DefinesEntryPoint(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var reader = new PEReader(stream);
            if (!reader.HasMetadata)
            {
                return false;
            }

            var metadata = reader.GetMetadataReader();
            foreach (var handle in metadata.TypeDefinitions)
            {
                var type = metadata.GetTypeDefinition(handle);
                foreach (var implementation in type.GetInterfaceImplementations())
                {
                    var interfaceHandle = metadata.GetInterfaceImplementation(implementation).Interface;
                    if (interfaceHandle.Kind == HandleKind.TypeReference)
                    {
                        var reference = metadata.GetTypeReference((TypeReferenceHandle)interfaceHandle);
                        if (metadata.GetString(reference.Name) == nameof(ILayerPlugin) && metadata.GetString(reference.Namespace) == typeof(ILayerPlugin).Namespace)
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LayerNetException($"plugin '{file}' (from {PathVariable}): cannot read: {exception.Message.ReplaceLineEndings(" ")}", exception);
        }
    }
}
