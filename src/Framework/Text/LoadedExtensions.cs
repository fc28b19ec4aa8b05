using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace LayerNet.Text;

/// <summary>
/// Finds the generated extension fields of a message type among the loaded assemblies. The C# runtime keeps a
/// message's extension values without their descriptors, so the writer looks for descriptors that extend the
/// message (each generated <c>XxxReflection.Descriptor</c> of an assembly that uses Google.Protobuf) and asks each
/// whether it is set. Rescanned when more assemblies are loaded (plugins).
/// </summary>
internal static class LoadedExtensions
{
    private static readonly Lock Gate = new();
    private static Dictionary<MessageDescriptor, List<FieldDescriptor>> s_byExtendee = [];
    private static int s_scannedAssemblyCount = -1;

    /// <summary>The generated extensions of each extended message type, in field number order.</summary>
    public static IReadOnlyDictionary<MessageDescriptor, List<FieldDescriptor>> ByExtendee()
    {
        var assemblies = AppDomain.CurrentDomain.GetAssemblies();
        lock (Gate)
        {
            if (assemblies.Length != s_scannedAssemblyCount)
            {
                s_byExtendee = Scan(assemblies);
                s_scannedAssemblyCount = assemblies.Length;
            }

            return s_byExtendee;
        }
    }

    private static Dictionary<MessageDescriptor, List<FieldDescriptor>> Scan(Assembly[] assemblies)
    {
        var protobufName = typeof(IMessage).Assembly.GetName().Name;
        var files = new HashSet<FileDescriptor>();
        foreach (var assembly in assemblies)
        {
            if (assembly.IsDynamic || !assembly.GetReferencedAssemblies().Any(a => a.Name == protobufName))
            {
                continue;
            }

            foreach (var type in CandidateTypes(assembly))
            {
                if (!type.IsAbstract || !type.IsSealed || type.ContainsGenericParameters)
                {
                    continue;
                }

                var property = type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
                if (property?.PropertyType == typeof(FileDescriptor) && property.GetValue(null) is FileDescriptor file)
                {
                    files.Add(file);
                }
            }
        }

        var result = new Dictionary<MessageDescriptor, List<FieldDescriptor>>();
        foreach (var file in files)
        {
            AddAll(result, file.Extensions.UnorderedExtensions);
            foreach (var message in file.MessageTypes)
            {
                AddNested(result, message);
            }
        }

        foreach (var list in result.Values)
        {
            list.Sort((a, b) => a.FieldNumber.CompareTo(b.FieldNumber));
        }

        return result;
    }

    // An extension may be declared inside a message ("message Foo { extend Bar { ... } }").
    private static void AddNested(Dictionary<MessageDescriptor, List<FieldDescriptor>> result, MessageDescriptor message)
    {
        AddAll(result, message.Extensions.UnorderedExtensions);
        foreach (var nested in message.NestedTypes)
        {
            AddNested(result, nested);
        }
    }

    private static void AddAll(Dictionary<MessageDescriptor, List<FieldDescriptor>> result, IEnumerable<FieldDescriptor> extensions)
    {
        foreach (var extension in extensions)
        {
            if (extension.Extension is null)
            {
                continue;
            }

            if (!result.TryGetValue(extension.ExtendeeType, out var list))
            {
                list = [];
                result[extension.ExtendeeType] = list;
            }

            if (!list.Contains(extension))
            {
                list.Add(extension);
            }
        }
    }

    // The static classes with a property named Descriptor, found in the assembly's metadata and only then loaded:
    // Assembly.GetTypes loads every type, and with them every assembly their signatures name (the runner's types
    // would bring in ScottPlot and Regex on every `layernet train`, in memory and in start-up time).
    private static IEnumerable<Type> CandidateTypes(Assembly assembly)
    {
        if (string.IsNullOrEmpty(assembly.Location))
        {
            return LoadableTypes(assembly);
        }

        try
        {
            using var stream = File.OpenRead(assembly.Location);
            using var image = new System.Reflection.PortableExecutable.PEReader(stream);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(image);
            var types = new List<Type>();
            foreach (var handle in metadata.TypeDefinitions)
            {
                var definition = metadata.GetTypeDefinition(handle);
                const TypeAttributes Static = TypeAttributes.Abstract | TypeAttributes.Sealed;
                if ((definition.Attributes & Static) != Static || !definition.GetDeclaringType().IsNil)
                {
                    continue;
                }

                var hasDescriptor = false;
                foreach (var property in definition.GetProperties())
                {
                    hasDescriptor |= metadata.StringComparer.Equals(metadata.GetPropertyDefinition(property).Name, "Descriptor");
                }

                var name = metadata.GetString(definition.Name);
                var space = metadata.GetString(definition.Namespace);
                if (hasDescriptor && assembly.GetType(space.Length == 0 ? name : $"{space}.{name}", throwOnError: false) is { } type)
                {
                    types.Add(type);
                }
            }

            return types;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            return LoadableTypes(assembly);
        }
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException exception)
        {
            return exception.Types.OfType<Type>();
        }
    }
}
