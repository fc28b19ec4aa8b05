using Google.Protobuf;
using Onnx;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>Sets the attributes of an ONNX node: <c>layer.AddNode("Conv", ...).Set("group", 2L).SetInts("pads", pads)</c>.</summary>
internal static class NodeAttributes
{
    /// <summary>Sets integer attribute <paramref name="name"/>; returns the node.</summary>
    public static NodeProto Set(this NodeProto node, string name, long value) =>
        node.With(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>Sets float attribute <paramref name="name"/>; returns the node.</summary>
    public static NodeProto Set(this NodeProto node, string name, float value) =>
        node.With(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>Sets string attribute <paramref name="name"/> (UTF-8); returns the node.</summary>
    public static NodeProto Set(this NodeProto node, string name, string value) =>
        node.With(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });

    /// <summary>Sets integer-list attribute <paramref name="name"/>; returns the node.</summary>
    public static NodeProto SetInts(this NodeProto node, string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return node.With(attribute);
    }

    private static NodeProto With(this NodeProto node, AttributeProto attribute)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrEmpty(attribute.Name);
        node.Attribute.Add(attribute);
        return node;
    }
}
