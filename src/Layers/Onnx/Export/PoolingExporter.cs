using Caffe;
using LayerNet.Onnx;
using PoolMethod = Caffe.PoolingParameter.Types.PoolMethod;

namespace LayerNet.Layers.Onnx.Export;

/// <summary>
/// Exports Pooling (MAX, AVE) as MaxPool or AveragePool with Caffe's output size and divisor (see
/// <see cref="PoolingNodes"/>); global pooling as GlobalMaxPool or GlobalAveragePool. A MAX layer's second top, the
/// index of each maximum within its plane, is MaxPool's indices output taken modulo the plane's size.
/// </summary>
public sealed class PoolingExporter : IOnnxExporter
{
    /// <inheritdoc/>
    /// <exception cref="Errors.LayerNetException">STOCHASTIC pooling, which draws its outputs at random.</exception>
    public void Export(OnnxLayerExport layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.Parameter.PoolingParam ?? new PoolingParameter();
        if (p.Pool is not (PoolMethod.Max or PoolMethod.Ave))
        {
            throw layer.Unsupported($"pooling_param.pool {p.Pool} has no ONNX equivalent (STOCHASTIC pooling draws its outputs at random); use MAX or AVE");
        }

        var max = p.Pool == PoolMethod.Max;
        var mask = layer.Outputs.Count > 1 ? layer.Outputs[1] : null;
        if (p.GlobalPooling && mask is null)
        {
            layer.AddNode(max ? "GlobalMaxPool" : "GlobalAveragePool", layer.Inputs[0], layer.Outputs[0]);
            return;
        }

        var input = layer.InputShape(0);
        var output = layer.OutputShape(0);
        int kernelH = input[2], kernelW = input[3], padH = 0, padW = 0, strideH = 1, strideW = 1;
        if (!p.GlobalPooling)
        {
            kernelH = (int)(p.HasKernelSize ? p.KernelSize : p.KernelH);
            kernelW = (int)(p.HasKernelSize ? p.KernelSize : p.KernelW);
            padH = (int)(p.HasPadH ? p.PadH : p.Pad);
            padW = (int)(p.HasPadW ? p.PadW : p.Pad);
            strideH = (int)(p.HasStrideH ? p.StrideH : p.Stride);
            strideW = (int)(p.HasStrideW ? p.StrideW : p.Stride);
        }

        PoolingNodes.Write(
            layer, layer.Inputs[0], layer.Outputs[0], mask, max,
            new PoolWindow(input[2], kernelH, padH, strideH, output[2]),
            new PoolWindow(input[3], kernelW, padW, strideW, output[3]));
    }
}
