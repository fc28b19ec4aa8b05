using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Neuron;

namespace LayerNet.Gpu;

/// <summary>
/// The other neurons on the device: AbsVal, BNLL, ELU, Exp, Log, Power, Swish, Clip, Threshold (forward; it has no
/// gradient, so backward is the CPU layer's error), PReLU (with its slope gradient, channel_shared or not) and
/// Dropout (TRAIN and TEST).
/// </summary>
/// <remarks>
/// <para>
/// In place, a layer whose gradient reads x keeps x aside on the device before forward overwrites it (the CPU layer's
/// saved input, in device memory).
/// </para>
/// <para>
/// Dropout's mask is drawn on the host by the layer itself (<see cref="DropoutLayer.DrawMask"/>, the draws the CPU pass
/// makes, in the same order), then sent to the device and applied there; the CPU layer keeps the same mask.
/// </para>
/// <para>Declined (the CPU runs them): empty blobs.</para>
/// </remarks>
internal sealed class ActivationFamily : DeviceFamily
{
    // Scratch slots: the saved input (in place), Dropout's mask, PReLU's per-run sums.
    private const int SavedInput = 0;
    private const int MaskSlot = 1;
    private const int Partial = 2;

    private readonly LayerScratch _scratch;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _multiply;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _absForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _absBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _bnllForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _bnllBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _eluForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _eluBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, float> _expForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _expBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, float, float> _logForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float> _logBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, float, float> _powerForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, int> _powerBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _swishForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _swishBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, float> _clipForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float> _clipBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _thresholdForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _preluScale;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _preluRunSums;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _preluTotals;

    public ActivationFamily(GpuDevice device)
        : base(device)
    {
        _scratch = new LayerScratch(Accelerator);
        _copy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ActivationKernels.Copy);
        _fill = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(ActivationKernels.Fill);
        _multiply = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ActivationKernels.Multiply);
        _absForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ActivationKernels.AbsForward);
        _absBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ActivationKernels.AbsBackward);
        _bnllForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ActivationKernels.BnllForward);
        _bnllBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ActivationKernels.BnllBackward);
        _eluForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.EluForward);
        _eluBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.EluBackward);
        _expForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float>(ActivationKernels.ExpForward);
        _expBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.ExpBackward);
        _logForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float, float>(ActivationKernels.LogForward);
        _logBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float>(ActivationKernels.LogBackward);
        _powerForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float, float>(ActivationKernels.PowerForward);
        _powerBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, int>(ActivationKernels.PowerBackward);
        _swishForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.SwishForward);
        _swishBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.SwishBackward);
        _clipForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float>(ActivationKernels.ClipForward);
        _clipBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(ActivationKernels.ClipBackward);
        _thresholdForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.ThresholdForward);
        _preluScale = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ActivationKernels.PReluScale);
        _preluRunSums = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ActivationKernels.PReluRunSums);
        _preluTotals = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ActivationKernels.PReluTotals);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var count = bottom[0].Count;
        if (count == 0)
        {
            return false;
        }

        if (layer is DropoutLayer dropout)
        {
            ForwardDropout(dropout, bottom[0], top[0]);
            return true;
        }

        var x = Read(bottom[0]);
        if (ReferenceEquals(bottom[0], top[0]) && layer.RunsBackward && GradientReadsInput(layer))
        {
            _copy(count, x, _scratch.Get(layer, SavedInput, count));
        }

        var y = Write(top[0]);
        var p = layer.Parameter;
        switch (layer)
        {
            case AbsValLayer:
                _absForward(count, x, y);
                break;
            case BNLLLayer:
                _bnllForward(count, x, y);
                break;
            case ELULayer:
                _eluForward(count, x, y, p.EluParam?.Alpha ?? 1f);
                break;
            case ExpLayer:
                var (innerScale, outerScale) = ExpScales(p.ExpParam ?? new Caffe.ExpParameter());
                _expForward(count, x, y, innerScale, outerScale);
                break;
            case LogLayer:
                var log = p.LogParam ?? new Caffe.LogParameter();
                _logForward(count, x, y, log.Scale, log.Shift, LogBaseScale(log));
                break;
            case PowerLayer:
                var power = p.PowerParam ?? new Caffe.PowerParameter();
                if (power.Power * power.Scale == 0f)
                {
                    _fill(count, y, power.Power == 0f ? 1f : MathF.Pow(power.Shift, power.Power));
                }
                else
                {
                    _powerForward(count, x, y, power.Power, power.Scale, power.Shift);
                }

                break;
            case SwishLayer:
                _swishForward(count, x, y, p.SwishParam?.Beta ?? 1f);
                break;
            case ClipLayer:
                _clipForward(count, x, y, p.ClipParam.Min, p.ClipParam.Max);
                break;
            case ThresholdLayer:
                _thresholdForward(count, x, y, p.ThresholdParam?.Threshold ?? 0f);
                break;
            case PReLULayer:
                var (channels, inner, shared) = PReluGeometry(layer, bottom[0]);
                _preluScale(count, x, x, y, Read(layer.Blobs[0]), channels, inner, shared);
                break;
            default:
                return false;
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var count = bottom[0].Count;
        if (count == 0 || layer is ThresholdLayer)
        {
            // Threshold has no gradient: the CPU layer says so, naming itself.
            return false;
        }

        if (layer is DropoutLayer dropout)
        {
            BackwardDropout(dropout, top[0], propagateDown[0], bottom[0]);
            return true;
        }

        // x as forward read it: the saved copy in place, the bottom's data otherwise.
        var inPlace = ReferenceEquals(bottom[0], top[0]);
        var x = inPlace && GradientReadsInput(layer) ? _scratch.Get(layer, SavedInput, count) : Read(bottom[0]);
        var p = layer.Parameter;
        if (layer is PReLULayer && layer.ParamPropagateDown(0))
        {
            // Before dx overwrites dy in place.
            var (channels, inner, shared) = PReluGeometry(layer, bottom[0]);
            var items = bottom[0].Shape[0];
            var partial = _scratch.Get(layer, Partial, items * channels);
            _preluRunSums(items * channels, x, ReadDiff(top[0]), partial, inner);
            _preluTotals(layer.Blobs[0].Count, partial, WriteDiff(layer.Blobs[0]), items, channels, shared);
        }

        if (!propagateDown[0])
        {
            return true;
        }

        var y = Read(top[0]);
        var dy = ReadDiff(top[0]);
        var dx = WriteDiff(bottom[0]);
        switch (layer)
        {
            case AbsValLayer:
                _absBackward(count, x, dy, dx);
                break;
            case BNLLLayer:
                _bnllBackward(count, x, dy, dx);
                break;
            case ELULayer:
                _eluBackward(count, x, y, dy, dx, p.EluParam?.Alpha ?? 1f);
                break;
            case ExpLayer:
                _expBackward(count, y, dy, dx, ExpScales(p.ExpParam ?? new Caffe.ExpParameter()).Inner);
                break;
            case LogLayer:
                var log = p.LogParam ?? new Caffe.LogParameter();
                _logBackward(count, x, dy, dx, log.Scale * LogBaseScale(log), log.Scale, log.Shift);
                break;
            case PowerLayer:
                var power = p.PowerParam ?? new Caffe.PowerParameter();
                var mode = power.Power * power.Scale == 0f || power.Power == 1f ? 0 : power.Power == 2f ? 1 : 2;
                _powerBackward(count, x, dy, dx, power.Power, power.Scale, power.Shift, mode);
                break;
            case SwishLayer:
                _swishBackward(count, x, y, dy, dx, p.SwishParam?.Beta ?? 1f);
                break;
            case ClipLayer:
                _clipBackward(count, x, dy, dx, p.ClipParam.Min, p.ClipParam.Max);
                break;
            case PReLULayer:
                var (channels, inner, shared) = PReluGeometry(layer, bottom[0]);
                _preluScale(count, x, dy, dx, Read(layer.Blobs[0]), channels, inner, shared);
                break;
            default:
                return false;
        }

        return true;
    }

    // Whether the layer's gradient reads x (so that in place forward keeps it aside): not Exp (y alone), Threshold
    // (no gradient) nor Dropout (the mask).
    private static bool GradientReadsInput(Layer layer) => layer is not (ExpLayer or ThresholdLayer or DropoutLayer);

    private void ForwardDropout(DropoutLayer layer, Blob bottom, Blob top)
    {
        var count = bottom.Count;
        if (layer.Phase != Caffe.Phase.Train)
        {
            if (!bottom.SharesDataWith(top))
            {
                _copy(count, Read(bottom), Write(top));
            }

            return;
        }

        var mask = _scratch.Get(layer, MaskSlot, count);
        mask.SubView(0, count).CopyFromCPU(layer.DrawMask());
        _multiply(count, Read(bottom), mask, Write(top));
    }

    private void BackwardDropout(DropoutLayer layer, Blob top, bool toInput, Blob bottom)
    {
        var count = bottom.Count;
        if (!toInput)
        {
            return;
        }

        if (layer.Phase != Caffe.Phase.Train)
        {
            if (!ReferenceEquals(top.DiffMemory, bottom.DiffMemory))
            {
                _copy(count, ReadDiff(top), WriteDiff(bottom));
            }

            return;
        }

        _multiply(count, ReadDiff(top), _scratch.Get(layer, MaskSlot, count), WriteDiff(bottom));
    }

    // The CPU layer's factors: exp(inner x) outer = base^(shift + scale x).
    private static (float Inner, float Outer) ExpScales(Caffe.ExpParameter p)
    {
        var logBase = p.Base == -1f ? 1f : MathF.Log(p.Base);
        var outer = p.Shift == 0f ? 1f : p.Base == -1f ? MathF.Exp(p.Shift) : MathF.Pow(p.Base, p.Shift);
        return (logBase * p.Scale, outer);
    }

    private static float LogBaseScale(Caffe.LogParameter p) => p.Base == -1f ? 1f : 1f / MathF.Log(p.Base);

    private static (int Channels, int Inner, int Shared) PReluGeometry(Layer layer, Blob bottom) =>
        (bottom.Shape[1], bottom.CountFrom(2), layer.Parameter.PreluParam?.ChannelShared ?? false ? 1 : 0);
}
