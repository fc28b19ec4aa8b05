using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Gpu;

/// <summary>InnerProduct on the device: the products through <see cref="GpuDevice.Gemm"/>, the bias by its own kernels.</summary>
internal sealed class InnerProductFamily : DeviceFamily
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _addBias;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _addColumnSums;

    public InnerProductFamily(GpuDevice device)
        : base(device)
    {
        _addBias = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(Kernels.AddBias);
        _addColumnSums = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(Kernels.AddColumnSums);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => Forward(layer, bottom[0], top[0]);

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom) =>
        Backward(layer, top[0], propagateDown[0], bottom[0]);

    // y = x W^T + b (y = x W with transpose): x is items x inputs from the layer's axis on.
    private bool Forward(Layer layer, Blob x, Blob y)
    {
        var p = layer.Parameter.InnerProductParam;
        var transpose = p?.Transpose ?? false;
        var outputs = (int)(p?.NumOutput ?? 0);
        var inputs = layer.Blobs[0].Count / Math.Max(1, outputs);
        var items = x.Count / Math.Max(1, inputs);
        Device.Gemm(Read(x), Read(layer.Blobs[0]), Write(y), new GemmShape(items, outputs, inputs, transposeA: false, transposeB: !transpose, 1f, 0f));
        if (layer.Blobs.Count > 1)
        {
            _addBias(y.Count, Write(y), Read(layer.Blobs[1]), outputs);
        }

        return true;
    }

    // dW += dy^T x (x^T dy with transpose), db += column sums of dy, dx = dy W (dy W^T with transpose).
    private bool Backward(Layer layer, Blob y, bool toInput, Blob x)
    {
        var p = layer.Parameter.InnerProductParam;
        var transpose = p?.Transpose ?? false;
        var weight = layer.Blobs[0];
        var outputs = (int)(p?.NumOutput ?? 0);
        var inputs = weight.Count / Math.Max(1, outputs);
        var items = x.Count / Math.Max(1, inputs);
        if (layer.ParamPropagateDown(0))
        {
            var shape = transpose
                ? new GemmShape(inputs, outputs, items, transposeA: true, transposeB: false, 1f, 1f)
                : new GemmShape(outputs, inputs, items, transposeA: true, transposeB: false, 1f, 1f);
            Device.Gemm(transpose ? Read(x) : ReadDiff(y), transpose ? ReadDiff(y) : Read(x), WriteDiff(weight), shape);
        }

        if (layer.Blobs.Count > 1 && layer.ParamPropagateDown(1))
        {
            _addColumnSums(outputs, ReadDiff(y), WriteDiff(layer.Blobs[1]), items, outputs);
        }

        if (toInput)
        {
            Device.Gemm(ReadDiff(y), Read(weight), WriteDiff(x), new GemmShape(items, inputs, outputs, transposeA: false, transposeB: transpose, 1f, 0f));
        }

        return true;
    }
}
