using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Common;
using LayerNet.Layers.Loss;

namespace LayerNet.Gpu;

/// <summary>
/// Softmax (any axis, in place too) and SoftmaxWithLoss on the device: ignore_label, every normalization (VALID,
/// FULL, BATCH_SIZE, NONE, and the legacy normalize), the optional probability top.
/// </summary>
/// <remarks>
/// SoftmaxWithLoss computes the probabilities into the layer's own probability blob, each position's loss, and their
/// total (chunks of positions in order, then the chunks) on the device; the total, the count of positions that counted and of bad labels come back
/// (three floats), and the loss is written to the top as the CPU layer writes it (a bad label is the CPU layer's error,
/// naming the item). Backward uses the normaliser forward set. Declined: empty blobs.
/// </remarks>
internal sealed class SoftmaxFamily : DeviceFamily
{
    // Scratch slots of a SoftmaxWithLoss layer.
    private const int LogProbabilities = 0;
    private const int States = 1;
    private const int Totals = 2;
    private const int Partial = 3;

    private readonly LayerScratch _scratch;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _forward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _backward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _positionLoss;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _chunkTotals;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _total;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float> _lossBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _copy;

    public SoftmaxFamily(GpuDevice device)
        : base(device)
    {
        _scratch = new LayerScratch(Accelerator);
        _forward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(SoftmaxKernels.Forward);
        _backward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(SoftmaxKernels.Backward);
        _positionLoss = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(SoftmaxKernels.PositionLoss);
        _chunkTotals = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(SoftmaxKernels.ChunkTotals);
        _total = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(SoftmaxKernels.Total);
        _lossBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float>(SoftmaxKernels.LossBackward);
        _copy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.Copy);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].Count == 0)
        {
            return false;
        }

        switch (layer)
        {
            case SoftmaxLayer:
                var (outer, channels, inner) = Geometry(bottom[0], layer.Parameter.SoftmaxParam?.Axis ?? 1);
                _forward(outer * inner, Read(bottom[0]), Write(top[0]), channels, inner);
                return true;
            case SoftmaxWithLossLayer loss:
                ForwardLoss(loss, bottom, top);
                return true;
            default:
                return false;
        }
    }

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (bottom[0].Count == 0)
        {
            return false;
        }

        switch (layer)
        {
            case SoftmaxLayer:
                if (propagateDown[0])
                {
                    var (outer, channels, inner) = Geometry(bottom[0], layer.Parameter.SoftmaxParam?.Axis ?? 1);
                    _backward(outer * inner, Read(top[0]), ReadDiff(top[0]), WriteDiff(bottom[0]), channels, inner);
                }

                return true;
            case SoftmaxWithLossLayer loss:
                if (propagateDown[0])
                {
                    var softmax = loss.Softmax;
                    var grid = softmax.Grid;
                    var scale = top[0].Diff[0] / softmax.Normalizer;
                    _lossBackward(
                        bottom[0].Count, Read(softmax.Probability), Read(bottom[1]), WriteDiff(bottom[0]), grid.Classes, grid.Inner, grid.HasIgnoreLabel ? 1 : 0, grid.IgnoreLabel, scale);
                }

                return true;
            default:
                return false;
        }
    }

    private void ForwardLoss(SoftmaxWithLossLayer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var softmax = layer.Softmax;
        var grid = softmax.Grid;
        var probability = softmax.Probability;
        var probabilities = Write(probability);
        _forward(grid.Positions, Read(bottom[0]), probabilities, grid.Classes, grid.Inner);
        var positions = grid.Positions;
        var logProbabilities = _scratch.Get(layer, LogProbabilities, positions);
        var states = _scratch.Get(layer, States, positions);
        var totals = _scratch.Get(layer, Totals, 3);
        _positionLoss(positions, probabilities, Read(bottom[1]), logProbabilities, states, grid.Classes, grid.Inner, grid.HasIgnoreLabel ? 1 : 0, grid.IgnoreLabel);
        var chunks = (positions + SoftmaxKernels.Chunk - 1) / SoftmaxKernels.Chunk;
        var partial = _scratch.Get(layer, Partial, 3 * chunks);
        _chunkTotals(chunks, logProbabilities, states, partial, positions);
        _total(1, partial, totals, chunks);
        Span<float> result = stackalloc float[3];
        totals.CopyToCPU(result);
        if (result[2] != 0f)
        {
            // The CPU layer's error, naming the first bad label (read on the host).
            throw layer.Error(grid.BadLabel(bottom[1].Data)!);
        }

        softmax.Normalize((int)result[1]);
        top[0].Data[0] = result[0] / softmax.Normalizer;
        if (top.Count > 1)
        {
            _copy(probability.Count, probabilities, Write(top[1]));
        }
    }

    private static (int Outer, int Channels, int Inner) Geometry(Blob input, int axis)
    {
        var a = input.CanonicalAxis(axis);
        return (input.CountRange(0, a), input.Shape[a], input.CountFrom(a + 1));
    }
}
