using Caffe;
using Onnx;

namespace LayerNet.Layers.Onnx;

/// <summary>BatchNormalization (BatchNorm with global statistics, then Scale), LRN and Softmax.</summary>
internal static class NormalizationImport
{
    /// <summary>
    /// BatchNormalization at inference: BatchNorm (use_global_stats, the statistics as its mean and variance blobs,
    /// scale factor 1, the same epsilon), then Scale with bias (gamma, beta), both over axis 1.
    /// </summary>
    public static void BatchNormalization(OnnxGraphImporter importer, OnnxNode node)
    {
        if (node.Int("training_mode", 0) != 0)
        {
            throw node.Error("training_mode is set; LayerNet imports inference graphs, which normalise with the stored statistics");
        }

        for (var i = 1; i < node.OutputCount; i++)
        {
            if (importer.IsUsed(node.Output(i)))
            {
                throw node.Error($"its output {i} ('{node.Output(i)}', a training statistic) is used; Caffe's net computes only the normalised output");
            }
        }

        var input = importer.Activation(node, 0);
        if (input.Rank < 2)
        {
            throw node.Error($"the input {input.ShapeText} has no channel axis");
        }

        var channels = input.Shape[1];
        var gamma = Channelwise(importer, node, 1, "the scale", channels);
        var beta = Channelwise(importer, node, 2, "the bias", channels);
        var mean = Channelwise(importer, node, 3, "the mean", channels);
        var variance = Channelwise(importer, node, 4, "the variance", channels);

        var normalize = importer.NewLayer(node, "BatchNorm");
        normalize.BatchNormParam = new BatchNormParameter { UseGlobalStats = true, Eps = node.Float("epsilon", 1e-5f) };
        var normalized = importer.AddLayer(
            node,
            normalize,
            [input],
            [importer.IntermediateBlob(node.Output(0), "normalized")],
            OnnxGraphImporter.BlobOf([channels], mean),
            OnnxGraphImporter.BlobOf([channels], variance),
            OnnxGraphImporter.BlobOf([1], [1f]))[0];

        var scale = importer.NewLayer(node, "Scale", "scale");
        scale.ScaleParam = new ScaleParameter { Axis = 1, NumAxes = 1, BiasTerm = true };
        importer.Produce(node, scale, [normalized], OnnxGraphImporter.BlobOf([channels], gamma), OnnxGraphImporter.BlobOf([channels], beta));
    }

    /// <summary>LRN: Caffe's LRN across channels, local_size = size, k = bias (ONNX's formula is Caffe's).</summary>
    public static void Lrn(OnnxGraphImporter importer, OnnxNode node)
    {
        var size = node.Typed("size", AttributeProto.Types.AttributeType.Int)?.I ?? throw node.Error("the size is not given");
        if (size is < 1 or > int.MaxValue)
        {
            throw node.Error($"size {size} is not a positive number of channels");
        }

        var layer = importer.NewLayer(node, "LRN");
        layer.LrnParam = new LRNParameter
        {
            LocalSize = (uint)size,
            Alpha = node.Float("alpha", 1e-4f),
            Beta = node.Float("beta", 0.75f),
            K = node.Float("bias", 1f),
            NormRegion = LRNParameter.Types.NormRegion.AcrossChannels,
        };
        importer.Produce(node, layer, [importer.Activation(node, 0)]);
    }

    /// <summary>
    /// Softmax: Caffe's Softmax on the axis. Before opset 13 ONNX normalises over all the axes from <c>axis</c> on
    /// together; that is one Caffe axis only when the axes after it are all of size 1, and refused otherwise.
    /// </summary>
    public static void Softmax(OnnxGraphImporter importer, OnnxNode node)
    {
        var input = importer.Activation(node, 0);
        var axis = ShapeImport.CanonicalAxis(node, node.Int("axis", importer.Opset < 13 ? 1 : -1), input);
        if (importer.Opset < 13)
        {
            var trailing = 1;
            for (var i = axis + 1; i < input.Rank; i++)
            {
                trailing *= input.Shape[i];
            }

            if (trailing != 1)
            {
                throw node.Error($"before opset 13 Softmax normalises over axes {axis} to {input.Rank - 1} of the input {input.ShapeText} together, which Caffe's Softmax (one axis) does not; export the model at opset 13 or later, or normalise over the last axis");
            }
        }

        var layer = importer.NewLayer(node, "Softmax");
        layer.SoftmaxParam = new SoftmaxParameter { Axis = axis };
        var value = importer.Produce(node, layer, [input]);
        importer.Define(node, node.Output(0), value with { NonNegative = true });
    }

    private static float[] Channelwise(OnnxGraphImporter importer, OnnxNode node, int input, string what, int channels)
    {
        var constant = importer.Constant(node, input, what);
        return constant.Count == channels
            ? constant.Values
            : throw node.Error($"{what} '{node.Input(input)}' has shape {constant.ShapeText}; the input has {channels} channels");
    }
}
