using Google.Protobuf.Reflection;

namespace LayerNet.Text;

/// <summary>The extensions a reader knows for one extended message type, by full and by simple name.</summary>
internal sealed class ExtensionScope
{
    /// <summary>Extensions by full name, as written in brackets: <c>[pkg.my_param]</c>.</summary>
    public Dictionary<string, FieldDescriptor> ByFullName { get; } = new(StringComparer.Ordinal);

    /// <summary>Extensions by bare field name (<c>my_param</c>); more than one entry means the bare name is ambiguous.</summary>
    public Dictionary<string, List<FieldDescriptor>> BySimpleName { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="extension"/>, once.</summary>
    public void Add(FieldDescriptor extension)
    {
        if (!ByFullName.TryAdd(extension.FullName, extension))
        {
            return;
        }

        if (!BySimpleName.TryGetValue(extension.Name, out var list))
        {
            list = [];
            BySimpleName[extension.Name] = list;
        }

        list.Add(extension);
    }

    /// <summary>The extension with field number <paramref name="number"/>, or null.</summary>
    public FieldDescriptor? FindByNumber(int number)
    {
        foreach (var extension in ByFullName.Values)
        {
            if (extension.FieldNumber == number)
            {
                return extension;
            }
        }

        return null;
    }
}
