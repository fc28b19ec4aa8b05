using LayerNet.Layers;

namespace LayerNet.Runner.Drawing;

/// <summary>How a drawing shows a layer: its family and that family's colors.</summary>
internal sealed record LayerStyle(LayerFamily Family, string Fill, string Border)
{
    /// <summary>The colors of a family: soft fills that keep black text readable, and a darker border of the same hue.</summary>
    public static LayerStyle For(LayerFamily family) => family switch
    {
        LayerFamily.Data => new(family, "#cfe2f3", "#3d85c6"),
        LayerFamily.InnerProduct => new(family, "#fff2cc", "#bf9000"),
        LayerFamily.Vision => new(family, "#fce5cd", "#e69138"),
        LayerFamily.Neuron => new(family, "#d9ead3", "#6aa84f"),
        LayerFamily.Loss => new(family, "#f4cccc", "#cc0000"),
        LayerFamily.Structure => new(family, "#e6dcf2", "#8e7cc3"),
        LayerFamily.InsertedSplit => new(family, "#f3f3f3", "#999999"),
        _ => new(family, "#ffffff", "#666666"),
    };

    /// <summary>
    /// The family, from what the layer is: the built-in layers' namespaces (Data, Neuron, Vision, Loss, Common)
    /// and, for plugins, the base class (NeuronLayer, LossLayer).
    /// </summary>
    public static LayerFamily FamilyOf(Layer layer, bool inserted)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (inserted)
        {
            return LayerFamily.InsertedSplit;
        }

        switch (layer.Type)
        {
            case "InnerProduct" or "Embed":
                return LayerFamily.InnerProduct;
            case "Accuracy":
                return LayerFamily.Loss;
            case "Parameter" or "Input":
                return LayerFamily.Data;
        }

        if (layer is LossLayer)
        {
            return LayerFamily.Loss;
        }

        if (layer is NeuronLayer)
        {
            return LayerFamily.Neuron;
        }

        return layer.GetType().Namespace switch
        {
            "LayerNet.Layers.Data" => LayerFamily.Data,
            "LayerNet.Layers.Vision" => LayerFamily.Vision,
            "LayerNet.Layers.Neuron" => LayerFamily.Neuron,
            "LayerNet.Layers.Loss" => LayerFamily.Loss,
            "LayerNet.Layers.Common" => LayerFamily.Structure,
            _ => LayerFamily.Other,
        };
    }
}
