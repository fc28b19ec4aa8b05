using Caffe;
using LayerNet.Onnx;
using EltwiseOp = Caffe.EltwiseParameter.Types.EltwiseOp;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Eltwise: PROD as a chain of Mul, MAX as Max, SUM as Add (two bottoms) or Sum (more), each bottom first
/// multiplied by its coefficient.
/// </summary>
/// <remarks>
/// A coefficient of 1 needs no product; one of -1 is a Sub instead of an Add, unless every coefficient is -1 or the
/// bottom comes first with nothing positive before it.
/// </remarks>
public sealed class EltwiseExporter : IOnnxExporter
{
    /// <inheritdoc/>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.EltwiseParam ?? new EltwiseParameter();
        var inputs = layer.Inputs;
        var output = layer.Outputs[0];
        switch (p.Operation)
        {
            case EltwiseOp.Prod:
                var product = inputs[0];
                for (var i = 1; i < inputs.Count; i++)
                {
                    var next = i == inputs.Count - 1 ? output : layer.NewValue("product");
                    layer.AddNode("Mul", [product, inputs[i]], [next]);
                    product = next;
                }

                break;
            case EltwiseOp.Max:
                layer.AddNode("Max", inputs, [output]);
                break;
            case EltwiseOp.Sum:
                Sum(layer, p, inputs, output);
                break;
            default:
                throw layer.Unsupported($"eltwise_param.operation {p.Operation} is unknown");
        }
    }

    private static void Sum(OnnxLayerExport layer, EltwiseParameter p, IReadOnlyList<string> inputs, string output)
    {
        var coefficients = new float[inputs.Count];
        for (var i = 0; i < coefficients.Length; i++)
        {
            coefficients[i] = p.Coeff.Count == 0 ? 1f : p.Coeff[i];
        }

        // Terms with coefficient -1 are subtracted, after a term that is added has started the sum.
        var first = Array.FindIndex(coefficients, c => c != -1f);
        if (first < 0)
        {
            first = 0;
        }

        var subtracted = new bool[inputs.Count];
        var terms = new string[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            subtracted[i] = i != first && coefficients[i] == -1f;
            terms[i] = coefficients[i] == 1f || subtracted[i] ? inputs[i] : Scaled(layer, inputs[i], coefficients[i], i);
        }

        if (!subtracted.Contains(true) && inputs.Count > 2)
        {
            layer.AddNode("Sum", terms, [output]);
            return;
        }

        var sum = terms[first];
        var remaining = inputs.Count - 1;
        for (var i = 0; i < inputs.Count; i++)
        {
            if (i == first)
            {
                continue;
            }

            var next = --remaining == 0 ? output : layer.NewValue("sum");
            layer.AddNode(subtracted[i] ? "Sub" : "Add", [sum, terms[i]], [next]);
            sum = next;
        }
    }

    private static string Scaled(OnnxLayerExport layer, string input, float coefficient, int index)
    {
        var scaled = layer.NewValue($"scaled{index}");
        layer.AddNode("Mul", [input, layer.AddScalar($"coeff{index}", coefficient)], [scaled]);
        return scaled;
    }
}
