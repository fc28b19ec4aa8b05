using Caffe;
using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Common;

namespace LayerNet.Gpu;

/// <summary>
/// BatchNorm, Scale and Bias on the device.
/// </summary>
/// <remarks>
/// <para>
/// BatchNorm: batch statistics (with the running mean, variance and scale factor updated on the device as the CPU
/// layer updates them) or global statistics (use_global_stats either way, or the TEST default), in place too; the
/// normalised values stay on the device for backward. Under global statistics the statistics blobs' own gradients
/// (asked for only by force_backward: their lr_mult is 0) are the CPU layer's formula too, by one device thread.
/// </para>
/// <para>
/// Scale (a learned scale or a second bottom, axis, num_axes, a scalar scale, bias_term) and Bias (learned or a
/// second bottom, axis, num_axes), in place too: in place, Scale keeps x aside on the device for the scale's gradient.
/// </para>
/// <para>Declined: empty blobs.</para>
/// </remarks>
internal sealed class NormalizationFamily : DeviceFamily
{
    // Scratch slots: BatchNorm's per-channel mean, variance, std, sums of dy and of dy y, and its normalised values;
    // Scale's saved input.
    private const int Mean = 0;
    private const int Variance = 1;
    private const int Std = 2;
    private const int SumDy = 3;
    private const int SumDyY = 4;
    private const int Normalized = 5;
    private const int SavedInput = 6;
    private const int Partial = 7;

    private readonly LayerScratch _scratch;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _multiplyAdd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _add;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _runSums;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _channelTotals;
    private readonly Action<Index1D, ArrayView<float>, float> _divideBy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _subtract;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float> _updateStatistics;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _globalStatistics;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _normalize;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _divide;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> _normalizeBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _statisticsGradients;

    public NormalizationFamily(GpuDevice device)
        : base(device)
    {
        _scratch = new LayerScratch(Accelerator);
        _multiplyAdd = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(NormalizationKernels.MultiplyAdd);
        _add = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(NormalizationKernels.Add);
        _copy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(NormalizationKernels.Copy);
        _runSums = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(NormalizationKernels.RunSums);
        _channelTotals = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(NormalizationKernels.ChannelTotals);
        _divideBy = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(NormalizationKernels.DivideBy);
        _subtract = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(NormalizationKernels.Subtract);
        _updateStatistics = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float>(NormalizationKernels.UpdateStatistics);
        _globalStatistics = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(NormalizationKernels.GlobalStatistics);
        _normalize = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(NormalizationKernels.Normalize);
        _divide = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(NormalizationKernels.Divide);
        _normalizeBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(NormalizationKernels.NormalizeBackward);
        _statisticsGradients = Accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(
            NormalizationKernels.StatisticsGradients);
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
            case BatchNormLayer batchNorm:
                return ForwardBatchNorm(batchNorm, bottom[0], top[0]);
            case ScaleLayer:
                ForwardScale(layer, bottom, top[0]);
                return true;
            case BiasLayer:
                var bias = bottom.Count > 1 ? bottom[1] : layer.Blobs[0];
                var (inner, channels) = Geometry(bottom[0], bias, layer.Parameter.BiasParam?.Axis ?? 1);
                _add(bottom[0].Count, Read(bottom[0]), Read(bias), Write(top[0]), inner, channels);
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
            case BatchNormLayer batchNorm:
                return BackwardBatchNorm(batchNorm, top[0], propagateDown[0], bottom[0]);
            case ScaleLayer:
                BackwardScale(layer, top[0], propagateDown, bottom);
                return true;
            case BiasLayer:
                BackwardBias(layer, top[0], propagateDown, bottom);
                return true;
            default:
                return false;
        }
    }

    // inner and channels (D) of x read as outer x D x inner around the parameter's axes (a scalar: D = 1 at axis 0).
    private static (int Inner, int Channels) Geometry(Blob input, Blob parameter, int axis)
    {
        var start = parameter.AxisCount == 0 ? 0 : input.CanonicalAxis(axis);
        return (input.CountFrom(start + parameter.AxisCount), Math.Max(1, parameter.Count));
    }

    // sums[c] (+)= the sum over o and i of x[o, c, i] (times z[o, c, i] when withZ = 1), in two stages.
    private void ChannelSums(Layer layer, ArrayView<float> x, ArrayView<float> z, ArrayView<float> sums, int outer, int channels, int inner, int withZ, int accumulate)
    {
        var partial = _scratch.Get(layer, Partial, outer * channels);
        _runSums(outer * channels, x, z, partial, inner, withZ);
        _channelTotals(channels, partial, sums, outer, channels, accumulate);
    }

    private static (int Num, int Channels, int Spatial) BatchGeometry(Blob input)
    {
        var channels = input.AxisCount == 1 ? 1 : input.Shape[1];
        var num = input.Shape[0];
        return (num, channels, num * channels == 0 ? 0 : input.Count / (num * channels));
    }

    private bool ForwardBatchNorm(BatchNormLayer layer, Blob bottom, Blob top)
    {
        var p = layer.Parameter.BatchNormParam ?? new BatchNormParameter();
        var (num, channels, spatial) = BatchGeometry(bottom);
        var count = bottom.Count;
        var mean = _scratch.Get(layer, Mean, channels);
        var variance = _scratch.Get(layer, Variance, channels);
        var std = _scratch.Get(layer, Std, channels);
        var keep = layer.RunsBackward ? 1 : 0;
        var normalized = _scratch.Get(layer, Normalized, layer.RunsBackward ? count : 1);
        var x = Read(bottom);
        if (layer.UsesGlobalStats)
        {
            _globalStatistics(channels, Read(layer.Blobs[0]), Read(layer.Blobs[1]), Read(layer.Blobs[2]), mean, variance, std, p.Eps);
            _normalize(count, x, mean, std, Write(top), normalized, spatial, channels, keep);
            return true;
        }

        var values = num * spatial;
        ChannelSums(layer, x, x, mean, num, channels, spatial, 0, 0);
        _divideBy(channels, mean, values);
        var y = Write(top);
        _subtract(count, x, mean, y, spatial, channels);
        ChannelSums(layer, y, y, variance, num, channels, spatial, 1, 0);
        _divideBy(channels, variance, values);
        var correction = values > 1 ? (float)values / (values - 1) : 1f;
        _updateStatistics(
            channels, mean, variance, std, Write(layer.Blobs[0]), Write(layer.Blobs[1]), Write(layer.Blobs[2]), p.MovingAverageFraction, correction, p.Eps);
        _divide(count, y, std, y, normalized, spatial, channels, keep);
        return true;
    }

    private bool BackwardBatchNorm(BatchNormLayer layer, Blob top, bool toInput, Blob bottom)
    {
        var wanted = (layer.ParamPropagateDown(0) ? 1 : 0) | (layer.ParamPropagateDown(1) ? 2 : 0) | (layer.ParamPropagateDown(2) ? 4 : 0);
        var statistics = layer.UsesGlobalStats && wanted != 0;
        if (!toInput && !statistics)
        {
            return true;
        }

        var (num, channels, spatial) = BatchGeometry(bottom);
        var count = bottom.Count;
        var std = _scratch.Get(layer, Std, channels);
        var dy = ReadDiff(top);
        if (layer.UsesGlobalStats && !statistics)
        {
            var dx = WriteDiff(bottom);
            _divide(count, dy, std, dx, dx, spatial, channels, 0);
            return true;
        }

        // The sums first: in place, dx (written below) is dy.
        var y = _scratch.Get(layer, Normalized, count);
        var sumDy = _scratch.Get(layer, SumDy, channels);
        var sumDyY = _scratch.Get(layer, SumDyY, channels);
        ChannelSums(layer, dy, dy, sumDy, num, channels, spatial, 0, 0);
        ChannelSums(layer, dy, y, sumDyY, num, channels, spatial, 1, 0);
        if (statistics)
        {
            _statisticsGradients(
                1, sumDy, sumDyY, std, _scratch.Get(layer, Mean, channels), _scratch.Get(layer, Variance, channels), Read(layer.Blobs[2]),
                WriteDiff(layer.Blobs[0]), WriteDiff(layer.Blobs[1]), WriteDiff(layer.Blobs[2]), channels, wanted);
            if (toInput)
            {
                var dx = WriteDiff(bottom);
                _divide(count, dy, std, dx, dx, spatial, channels, 0);
            }

            return true;
        }

        if (toInput)
        {
            _normalizeBackward(count, dy, y, sumDy, sumDyY, std, WriteDiff(bottom), spatial, channels, num * spatial);
        }

        return true;
    }

    private void ForwardScale(Layer layer, IReadOnlyList<Blob> bottom, Blob top)
    {
        var p = layer.Parameter.ScaleParam ?? new ScaleParameter();
        var scale = bottom.Count > 1 ? bottom[1] : layer.Blobs[0];
        var (inner, channels) = Geometry(bottom[0], scale, p.Axis);
        var count = bottom[0].Count;
        var x = Read(bottom[0]);
        if (ReferenceEquals(bottom[0], top) && layer.RunsBackward)
        {
            _copy(count, x, _scratch.Get(layer, SavedInput, count));
        }

        var bias = p.BiasTerm ? Read(layer.Blobs[bottom.Count > 1 ? 0 : 1]) : Read(scale);
        _multiplyAdd(count, x, Read(scale), bias, Write(top), inner, channels, p.BiasTerm ? 1 : 0);
    }

    private void BackwardScale(Layer layer, Blob top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var p = layer.Parameter.ScaleParam ?? new ScaleParameter();
        var learnedScale = bottom.Count == 1;
        var scale = learnedScale ? layer.Blobs[0] : bottom[1];
        var (inner, channels) = Geometry(bottom[0], scale, p.Axis);
        var count = bottom[0].Count;
        var outer = count / (inner * channels);
        var dy = ReadDiff(top);

        // The parameters' gradients read dy before the bottom's gradient (the same memory in place) is written.
        var biasIndex = learnedScale ? 1 : 0;
        if (p.BiasTerm && layer.ParamPropagateDown(biasIndex))
        {
            ChannelSums(layer, dy, dy, WriteDiff(layer.Blobs[biasIndex]), outer, channels, inner, 0, 1);
        }

        if (learnedScale ? layer.ParamPropagateDown(0) : propagateDown[1])
        {
            var x = ReferenceEquals(bottom[0], top) ? _scratch.Get(layer, SavedInput, count) : Read(bottom[0]);
            ChannelSums(layer, dy, x, WriteDiff(scale), outer, channels, inner, 1, learnedScale ? 1 : 0);
        }

        if (propagateDown[0])
        {
            _multiplyAdd(count, dy, Read(scale), Read(scale), WriteDiff(bottom[0]), inner, channels, 0);
        }
    }

    private void BackwardBias(Layer layer, Blob top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var learnedBias = bottom.Count == 1;
        var bias = learnedBias ? layer.Blobs[0] : bottom[1];
        var (inner, channels) = Geometry(bottom[0], bias, layer.Parameter.BiasParam?.Axis ?? 1);
        var count = bottom[0].Count;
        var dy = ReadDiff(top);
        if (learnedBias ? layer.ParamPropagateDown(0) : propagateDown[1])
        {
            ChannelSums(layer, dy, dy, WriteDiff(bias), count / (inner * channels), channels, inner, 0, learnedBias ? 1 : 0);
        }

        // In place the bottom's gradient already is the top's.
        if (propagateDown[0] && !ReferenceEquals(bottom[0], top))
        {
            _copy(count, dy, WriteDiff(bottom[0]));
        }
    }
}
