using Caffe;
using LayerNet.Layers.Vision;
using LayerNet.Onnx;
using PoolMethod = Caffe.SPPParameter.Types.PoolMethod;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports SPP (spatial pyramid pooling): each level is Caffe's pooling with the window SPP picks for 2^level bins
/// (see <see cref="PoolingNodes"/>), flattened per item; the levels are concatenated along axis 1. A single level
/// is the pooling alone (N x C x 1 x 1, as Caffe).
/// </summary>
public sealed class SPPExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.SppParam ?? new SPPParameter();
        if (p.Pool is not (PoolMethod.Max or PoolMethod.Ave))
        {
            throw layer.Unsupported($"spp_param.pool {p.Pool} has no ONNX equivalent; use MAX or AVE");
        }

        var input = layer.InputShape(0);
        var levels = (int)p.PyramidHeight;
        var flattened = new string[levels];
        for (var level = 0; level < levels; level++)
        {
            var pooled = levels == 1 ? layer.Outputs[0] : layer.NewValue($"level{level}");
            PoolingNodes.Write(layer, layer.Inputs[0], pooled, mask: null, p.Pool == PoolMethod.Max, Window(input[2], level), Window(input[3], level));
            if (levels > 1)
            {
                flattened[level] = layer.NewValue($"level{level}_flat");
                layer.AddNode("Flatten", pooled, flattened[level]).Set("axis", 1L);
            }
        }

        if (levels > 1)
        {
            layer.AddNode("Concat", flattened, [layer.Outputs[0]]).Set("axis", 1L);
        }
    }

    private static PoolWindow Window(int size, int level)
    {
        var (kernel, pad) = SPPLayer.LevelWindow(size, 1L << level);
        return new PoolWindow(size, kernel, pad, kernel, PoolingLayer.PooledSize(size, kernel, pad, kernel, floor: false));
    }
}
