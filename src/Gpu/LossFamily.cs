using Caffe;
using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Common;
using LayerNet.Layers.Loss;

namespace LayerNet.Gpu;

/// <summary>
/// EuclideanLoss (both bottoms' gradients) and HingeLoss (L1 and L2) on the device: the differences or hinges stay on
/// the device for backward, their total is summed there in element order and comes back to be written to the top as
/// the CPU layer writes it. A hinge label out of range is the CPU layer's error, naming the item. Declined: empty blobs.
/// </summary>
internal sealed class LossFamily : DeviceFamily
{
    // Scratch slots: the differences (Euclidean) or hinges, the totals, the chunks' sums.
    private const int Values = 0;
    private const int Totals = 1;
    private const int Partial = 2;

    private readonly LayerScratch _scratch;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _subtract;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _scale;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _chunkSums;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _total;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _hinge;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _countBadLabels;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _hingeBackward;

    public LossFamily(GpuDevice device)
        : base(device)
    {
        _scratch = new LayerScratch(Accelerator);
        _subtract = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LossKernels.Subtract);
        _scale = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(LossKernels.Scale);
        _chunkSums = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LossKernels.ChunkSums);
        _total = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(LossKernels.Total);
        _hinge = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LossKernels.Hinge);
        _countBadLabels = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LossKernels.CountBadLabels);
        _hingeBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(LossKernels.HingeBackward);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var count = bottom[0].Count;
        if (count == 0)
        {
            return false;
        }

        var values = _scratch.Get(layer, Values, count);
        var totals = _scratch.Get(layer, Totals, 2);
        var items = bottom[0].Shape[0];
        Span<float> result = stackalloc float[2];
        switch (layer)
        {
            case EuclideanLossLayer:
                _subtract(count, Read(bottom[0]), Read(bottom[1]), values);
                Sum(layer, values, totals, count, 1);
                totals.CopyToCPU(result);
                top[0].Data[0] = result[0] / items / 2f;
                return true;
            case HingeLossLayer:
                var classes = count / items;
                var labels = Read(bottom[1]);
                _hinge(count, Read(bottom[0]), labels, values, classes);
                Sum(layer, values, totals, count, IsL2(layer) ? 1 : 0);
                _countBadLabels(1, labels, totals, items, classes);
                totals.CopyToCPU(result);
                if (result[1] != 0f)
                {
                    throw layer.Error(new LabelGrid(items, classes, Inner: 1, HasIgnoreLabel: false, IgnoreLabel: 0).BadLabel(bottom[1].Data)!);
                }

                top[0].Data[0] = result[0] / items;
                return true;
            default:
                return false;
        }
    }

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var count = bottom[0].Count;
        if (count == 0)
        {
            return false;
        }

        var values = _scratch.Get(layer, Values, count);
        var items = bottom[0].Shape[0];
        var scale = top[0].Diff[0] / items;
        switch (layer)
        {
            case EuclideanLossLayer:
                for (var i = 0; i < 2; i++)
                {
                    if (propagateDown[i])
                    {
                        _scale(count, values, WriteDiff(bottom[i]), i == 0 ? scale : -scale);
                    }
                }

                return true;
            case HingeLossLayer:
                if (propagateDown[0])
                {
                    _hingeBackward(count, values, Read(bottom[1]), WriteDiff(bottom[0]), count / items, IsL2(layer) ? 1 : 0, scale);
                }

                return true;
            default:
                return false;
        }
    }

    // totals[0] = the sum of values (of their squares when squares = 1), in two fixed stages.
    private void Sum(Layer layer, ArrayView<float> values, ArrayView<float> totals, int count, int squares)
    {
        var chunks = (count + LossKernels.Chunk - 1) / LossKernels.Chunk;
        var partial = _scratch.Get(layer, Partial, chunks);
        _chunkSums(chunks, values, partial, count, squares);
        _total(1, partial, totals, chunks);
    }

    private static bool IsL2(Layer layer) => (layer.Parameter.HingeLossParam ?? new HingeLossParameter()).Norm == HingeLossParameter.Types.Norm.L2;
}
