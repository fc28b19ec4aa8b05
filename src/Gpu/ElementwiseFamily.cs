using Caffe;
using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Common;

namespace LayerNet.Gpu;

/// <summary>
/// Eltwise (PROD with and without stable_prod_grad, SUM with coefficients, MAX with its winners kept on the device for
/// backward), Concat and Slice along any axis, and Split's gradient sum on the device.
/// </summary>
/// <remarks>
/// Split's tops, a single-bottom Concat's and a single-top Slice's share the bottom's storage as the CPU layer sets
/// them (one SyncedMemory, so the device copy is shared too): nothing moves. Flatten and Reshape are not here: their
/// CPU passes only share storage and read no values, so they cost nothing where they run. Declined: empty blobs.
/// </remarks>
internal sealed class ElementwiseFamily : DeviceFamily
{
    // Scratch slot of an Eltwise MAX layer: which bottom won at each element.
    private const int Winners = 0;

    private readonly LayerScratch _scratch;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _multiply;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _divide;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _add;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _scale;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _axpy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _maxFirst;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _maxNext;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _maxBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _pieceToWhole;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _wholeToPiece;

    public ElementwiseFamily(GpuDevice device)
        : base(device)
    {
        _scratch = new LayerScratch(Accelerator);
        _copy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Copy);
        _multiply = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Multiply);
        _divide = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Divide);
        _add = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Add);
        _scale = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.Scale);
        _axpy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ElementwiseKernels.Axpy);
        _maxFirst = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.MaxFirst);
        _maxNext = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.MaxNext);
        _maxBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ElementwiseKernels.MaxBackward);
        _pieceToWhole = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.PieceToWhole);
        _wholeToPiece = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ElementwiseKernels.WholeToPiece);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        switch (layer)
        {
            case SplitLayer:
                // The CPU layer's forward: every top shares the bottom's storage; no value is read or copied.
                for (var i = 0; i < top.Count; i++)
                {
                    top[i].ShareData(bottom[0]);
                }

                return true;
            case ConcatLayer when bottom.Count == 1:
                AxisPieces.Share(bottom[0], top[0]);
                return true;
            case ConcatLayer concat:
                return Pieces(top[0], bottom, concat.Axis, toWhole: true, gradients: false, wanted: null);
            case SliceLayer when top.Count == 1:
                AxisPieces.Share(bottom[0], top[0]);
                return true;
            case SliceLayer slice:
                return Pieces(bottom[0], top, slice.Axis, toWhole: false, gradients: false, wanted: null);
            case EltwiseLayer:
                return top[0].Count != 0 && ForwardEltwise(layer, bottom, top[0]);
            default:
                return false;
        }
    }

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        switch (layer)
        {
            case SplitLayer:
                if (propagateDown[0] && bottom[0].Count != 0)
                {
                    BackwardSplit(top, bottom[0]);
                }

                return true;
            case ConcatLayer when bottom.Count == 1:
                return true;
            case ConcatLayer concat:
                return Pieces(top[0], bottom, concat.Axis, toWhole: false, gradients: true, wanted: propagateDown);
            case SliceLayer when top.Count == 1:
                return true;
            case SliceLayer slice:
                return !propagateDown[0] || Pieces(bottom[0], top, slice.Axis, toWhole: true, gradients: true, wanted: null);
            case EltwiseLayer:
                return top[0].Count != 0 && BackwardEltwise(layer, top[0], propagateDown, bottom);
            default:
                return false;
        }
    }

    // Copies between a whole blob and its pieces along the axis, each piece's rows at its offset in the whole's rows.
    private bool Pieces(Blob whole, IReadOnlyList<Blob> pieces, int axis, bool toWhole, bool gradients, IReadOnlyList<bool>? wanted)
    {
        var inner = whole.CountFrom(axis + 1);
        var wholeRow = whole.Shape[axis] * inner;
        var offset = 0;
        for (var i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            var row = piece.Shape[axis] * inner;
            if (piece.Count != 0 && (wanted is null || wanted[i]))
            {
                if (toWhole)
                {
                    _pieceToWhole(piece.Count, gradients ? ReadDiff(piece) : Read(piece), gradients ? WriteDiff(whole) : Write(whole), row, wholeRow, offset);
                }
                else
                {
                    _wholeToPiece(piece.Count, gradients ? ReadDiff(whole) : Read(whole), gradients ? WriteDiff(piece) : Write(piece), row, wholeRow, offset);
                }
            }

            offset += row;
        }

        return true;
    }

    private void BackwardSplit(IReadOnlyList<Blob> top, Blob bottom)
    {
        var count = bottom.Count;
        var dx = WriteDiff(bottom);
        if (top.Count == 1)
        {
            _copy(count, ReadDiff(top[0]), dx);
            return;
        }

        _add(count, ReadDiff(top[0]), ReadDiff(top[1]), dx);
        for (var i = 2; i < top.Count; i++)
        {
            _axpy(count, ReadDiff(top[i]), dx, 1f);
        }
    }

    private bool ForwardEltwise(Layer layer, IReadOnlyList<Blob> bottom, Blob top)
    {
        var p = layer.Parameter.EltwiseParam ?? new EltwiseParameter();
        var count = top.Count;
        var y = Write(top);
        switch (p.Operation)
        {
            case EltwiseParameter.Types.EltwiseOp.Prod:
                _multiply(count, Read(bottom[0]), Read(bottom[1]), y);
                for (var i = 2; i < bottom.Count; i++)
                {
                    _multiply(count, y, Read(bottom[i]), y);
                }

                return true;
            case EltwiseParameter.Types.EltwiseOp.Sum:
                _scale(count, Read(bottom[0]), y, Coefficient(p, 0));
                for (var i = 1; i < bottom.Count; i++)
                {
                    _axpy(count, Read(bottom[i]), y, Coefficient(p, i));
                }

                return true;
            default:
                var winners = _scratch.Get(layer, Winners, count);
                _maxFirst(count, Read(bottom[0]), Read(bottom[1]), y, winners);
                for (var i = 2; i < bottom.Count; i++)
                {
                    _maxNext(count, Read(bottom[i]), y, winners, i);
                }

                return true;
        }
    }

    private bool BackwardEltwise(Layer layer, Blob top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var p = layer.Parameter.EltwiseParam ?? new EltwiseParameter();
        var count = top.Count;
        var dy = ReadDiff(top);
        for (var i = 0; i < bottom.Count; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }

            var dx = WriteDiff(bottom[i]);
            switch (p.Operation)
            {
                case EltwiseParameter.Types.EltwiseOp.Prod:
                    if (p.StableProdGrad)
                    {
                        // The product of the other bottoms, in order, without dividing by x_i.
                        var first = true;
                        for (var j = 0; j < bottom.Count; j++)
                        {
                            if (j == i)
                            {
                                continue;
                            }

                            if (first)
                            {
                                _copy(count, Read(bottom[j]), dx);
                                first = false;
                            }
                            else
                            {
                                _multiply(count, dx, Read(bottom[j]), dx);
                            }
                        }
                    }
                    else
                    {
                        _divide(count, Read(top), Read(bottom[i]), dx);
                    }

                    _multiply(count, dx, dy, dx);
                    break;
                case EltwiseParameter.Types.EltwiseOp.Sum:
                    _scale(count, dy, dx, Coefficient(p, i));
                    break;
                default:
                    _maxBackward(count, dy, _scratch.Get(layer, Winners, count), dx, i);
                    break;
            }
        }

        return true;
    }

    private static float Coefficient(EltwiseParameter p, int bottom) => p.Coeff.Count == 0 ? 1f : p.Coeff[bottom];
}
