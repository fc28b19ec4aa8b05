using Caffe;

namespace LayerNet.Layers.Onnx;

/// <summary>
/// The element-wise operators, each one Caffe neuron layer: Relu and LeakyRelu (ReLU), PRelu, Elu, Sigmoid, Tanh, Abs
/// (AbsVal), Exp, Log, Softplus (BNLL), Sqrt, Reciprocal and Neg (Power), Clip.
/// </summary>
internal static class ActivationImport
{
    /// <summary>Relu: ReLU, y = max(x, 0).</summary>
    public static void Relu(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "ReLU", nonNegative: true);

    /// <summary>LeakyRelu: ReLU with negative_slope = alpha (0.01 by default).</summary>
    public static void LeakyRelu(OnnxGraphImporter importer, OnnxNode node) =>
        Neuron(importer, node, "ReLU", layer => layer.ReluParam = new ReLUParameter { NegativeSlope = node.Float("alpha", 0.01f) });

    /// <summary>Elu: ELU with alpha (1 by default).</summary>
    public static void Elu(OnnxGraphImporter importer, OnnxNode node) =>
        Neuron(importer, node, "ELU", layer => layer.EluParam = new ELUParameter { Alpha = node.Float("alpha", 1f) });

    /// <summary>Sigmoid.</summary>
    public static void Sigmoid(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "Sigmoid", nonNegative: true);

    /// <summary>Tanh: TanH.</summary>
    public static void Tanh(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "TanH");

    /// <summary>Abs: AbsVal.</summary>
    public static void Abs(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "AbsVal", nonNegative: true);

    /// <summary>Exp: Exp with base e.</summary>
    public static void Exp(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "Exp", nonNegative: true);

    /// <summary>Log: Log with base e.</summary>
    public static void Log(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "Log");

    /// <summary>Softplus: BNLL, y = ln(1 + exp(x)).</summary>
    public static void Softplus(OnnxGraphImporter importer, OnnxNode node) => Neuron(importer, node, "BNLL", nonNegative: true);

    /// <summary>Sqrt: Power with power 0.5.</summary>
    public static void Sqrt(OnnxGraphImporter importer, OnnxNode node) =>
        Neuron(importer, node, "Power", layer => layer.PowerParam = new PowerParameter { Power = 0.5f }, nonNegative: true);

    /// <summary>Reciprocal: Power with power -1.</summary>
    public static void Reciprocal(OnnxGraphImporter importer, OnnxNode node) =>
        Neuron(importer, node, "Power", layer => layer.PowerParam = new PowerParameter { Power = -1f });

    /// <summary>Neg: Power with scale -1.</summary>
    public static void Neg(OnnxGraphImporter importer, OnnxNode node) =>
        Neuron(importer, node, "Power", layer => layer.PowerParam = new PowerParameter { Scale = -1f });

    /// <summary>
    /// Clip: Clip with the bounds (attributes before opset 11, constant inputs after; a bound not given is the lowest
    /// or largest float, as ONNX's). Bounds with min &gt; max are refused: ONNX then gives max everywhere, Caffe min.
    /// </summary>
    public static void Clip(OnnxGraphImporter importer, OnnxNode node)
    {
        float min, max;
        if (importer.Opset < 11)
        {
            min = node.Float("min", float.MinValue);
            max = node.Float("max", float.MaxValue);
        }
        else
        {
            min = Bound(importer, node, 1, "the minimum") ?? float.MinValue;
            max = Bound(importer, node, 2, "the maximum") ?? float.MaxValue;
        }

        if (min > max)
        {
            throw node.Error($"the minimum {min} is above the maximum {max}: ONNX then gives the maximum everywhere, Caffe's Clip the minimum");
        }

        Neuron(importer, node, "Clip", layer => layer.ClipParam = new ClipParameter { Min = min, Max = max }, nonNegative: min >= 0);
    }

    /// <summary>PRelu: PReLU with the slope an initializer of one value (channel_shared) or one per channel (axis 1).</summary>
    public static void PRelu(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var slope = importer.Constant(node, 1, "the slope");
        var layer = importer.NewLayer(node, "PReLU");
        if (slope.Count == 1 && slope.Dims.Length <= input.Rank)
        {
            layer.PreluParam = new PReLUParameter { ChannelShared = true };
            importer.Produce(node, layer, [input], OnnxGraphImporter.BlobOf([], slope.Values));
            return;
        }

        var span = input.Rank >= 2 ? BroadcastSpan.Of(slope.Dims, input.Shape) : null;
        if (span is not { Axis: 1, AxisCount: 1 })
        {
            throw node.Error($"the slope of shape {slope.ShapeText} is neither one value nor one per channel (axis 1) of the input {input.ShapeText}, the two forms Caffe's PReLU takes");
        }

        importer.Produce(node, layer, [input], OnnxGraphImporter.BlobOf([input.Shape[1]], slope.Values));
    }

    /// <summary>Adds a neuron layer of <paramref name="type"/> on the node's first input, writing its first output.</summary>
    internal static ImportedValue Neuron(OnnxGraphImporter importer, OnnxNode node, string type, Action<LayerParameter>? configure = null, bool nonNegative = false)
    {
        var input = importer.Activation(node, 0);
        var layer = importer.NewLayer(node, type);
        configure?.Invoke(layer);
        var value = importer.AddLayer(node, layer, [input], [node.Output(0)])[0] with { NonNegative = nonNegative };
        importer.Define(node, node.Output(0), value);
        return value;
    }

    private static float? Bound(OnnxGraphImporter importer, OnnxNode node, int input, string what)
    {
        if (!node.HasInput(input))
        {
            return null;
        }

        var bound = importer.Constant(node, input, what);
        return bound.Count == 1 ? bound.Values[0] : throw node.Error($"{what} '{node.Input(input)}' has shape {bound.ShapeText}; Clip's bounds are scalars");
    }
}
