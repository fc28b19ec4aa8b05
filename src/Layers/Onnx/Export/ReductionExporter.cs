using Caffe;
using LayerNet.Onnx;
using ReductionOp = Caffe.ReductionParameter.Types.ReductionOp;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Reduction over the axes from <c>axis</c> to the end (keepdims 0, so the top keeps the axes before):
/// SUM as ReduceSum, ASUM as ReduceL1, SUMSQ as ReduceSumSquare, MEAN as ReduceMean, then a Mul by <c>coeff</c>
/// unless it is 1. The axes are ReduceSum's input, and the others' from operator set 18 (an attribute before).
/// </summary>
public sealed class ReductionExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.ReductionParam ?? new ReductionParameter();
        var opType = p.Operation switch
        {
            ReductionOp.Sum => "ReduceSum",
            ReductionOp.Asum => "ReduceL1",
            ReductionOp.Sumsq => "ReduceSumSquare",
            ReductionOp.Mean => "ReduceMean",
            _ => throw layer.Unsupported($"reduction_param.operation {p.Operation} is unknown"),
        };
        var rank = layer.InputShape(0).Count;
        var axis = ExportSteps.Canonical(p.Axis, rank);
        var reduced = p.Coeff == 1f ? layer.Outputs[0] : layer.NewValue("reduced");
        layer.Reduce(opType, layer.Inputs[0], ExportSteps.Axes(axis, rank - axis), keepDims: false, reduced);
        if (p.Coeff != 1f)
        {
            layer.AddNode("Mul", [reduced, layer.AddScalar("coeff", p.Coeff)], [layer.Outputs[0]]);
        }
    }
}
