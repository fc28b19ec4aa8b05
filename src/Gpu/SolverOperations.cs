using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Devices;

namespace LayerNet.Gpu;

/// <summary>
/// The device's side of <see cref="ISolverDevice"/>: the solver's kernels (<see cref="SolverKernels"/>), compiled when
/// a solver first uses them, run on the blobs' device copies, so that parameters, gradients and history stay on the
/// device between iterations. Only the sum of squares comes home (its <see cref="SolverKernels.Partials"/> partial
/// sums per blob, added on the host in order), because the host decides whether to clip and logs the norm.
/// </summary>
internal sealed class SolverOperations : IDisposable
{
    private readonly GpuDevice _device;
    private readonly Action<Index1D, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _add;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _sumOfSquares;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars> _momentum;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars> _nesterov;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars> _runningSquare;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars> _adaDelta;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars> _adam;

    // The partial sums of squares of every blob of one call, on the device and their copy on the host (grown as needed).
    private MemoryBuffer1D<float, Stride1D.Dense>? _partials;
    private float[] _partialsOnHost = [];

    /// <summary>Compiles the solver's kernels on <paramref name="device"/>.</summary>
    public SolverOperations(GpuDevice device)
    {
        _device = device;
        var accelerator = device.Accelerator;
        _fill = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(SolverKernels.Fill);
        _copy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(SolverKernels.Copy);
        _add = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(SolverKernels.Add);
        _sumOfSquares = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(SolverKernels.SumOfSquares);
        _momentum = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars>(SolverKernels.MomentumUpdate);
        _nesterov = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars>(SolverKernels.NesterovUpdate);
        _runningSquare = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars>(SolverKernels.RunningSquareUpdate);
        _adaDelta = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars>(SolverKernels.AdaDeltaUpdate);
        _adam = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, StepScalars>(SolverKernels.AdamUpdate);
    }

    /// <summary>blob's gradient = 0, on the device.</summary>
    public void ClearDiff(Blob blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Count > 0)
        {
            _fill(blob.Count, _device.WriteDiff(blob), 0f);
        }
    }

    /// <summary>target's gradient = source's gradient, on the device.</summary>
    public void CopyDiff(Blob source, Blob target)
    {
        RequireSameCount(source, target);
        if (source.Count > 0)
        {
            _copy(source.Count, _device.ReadDiff(source), _device.WriteDiff(target));
        }
    }

    /// <summary>target's gradient += source's gradient, on the device.</summary>
    public void AddDiff(Blob source, Blob target)
    {
        RequireSameCount(source, target);
        if (source.Count > 0)
        {
            _add(source.Count, _device.ReadDiff(source), _device.WriteDiff(target));
        }
    }

    /// <summary>The sum of the squares of the blobs' gradients: partial sums on the device, added on the host in order.</summary>
    public double SumOfSquaredDiffs(IReadOnlyList<Blob> blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var length = blobs.Count * SolverKernels.Partials;
        if (length == 0)
        {
            return 0.0;
        }

        if (_partials is null || _partials.Length < length)
        {
            _partials?.Dispose();
            _partials = _device.Accelerator.Allocate1D<float>(length);
            _partialsOnHost = new float[length];
        }

        ArrayView<float> partials = _partials.View;
        for (var b = 0; b < blobs.Count; b++)
        {
            var part = partials.SubView(b * SolverKernels.Partials, SolverKernels.Partials);
            if (blobs[b].Count == 0)
            {
                _fill(SolverKernels.Partials, part, 0f);
                continue;
            }

            _sumOfSquares(SolverKernels.Partials, _device.ReadDiff(blobs[b]), part, blobs[b].Count);
        }

        // The sums finish before they are copied (ILGPU's CPU accelerator copies at once; see GpuDevice's arrays).
        _device.Synchronize();
        partials.SubView(0, length).CopyToCPU(_partialsOnHost.AsSpan(0, length));
        var sum = 0.0;
        for (var i = 0; i < length; i++)
        {
            sum += _partialsOnHost[i];
        }

        return sum;
    }

    /// <summary>One parameter's update by <paramref name="step"/>'s rule, its history blobs updated in place on the device.</summary>
    public void Update(Blob param, SolverStep step, Blob history, Blob? history2)
    {
        ArgumentNullException.ThrowIfNull(param);
        RequireSameCount(param, history);
        var twoHistories = step.Rule is SolverRule.AdaDelta or SolverRule.Adam;
        if (twoHistories)
        {
            RequireSameCount(param, history2 ?? throw new ArgumentException($"the {step.Rule} rule keeps two history blobs", nameof(history2)));
        }

        if (param.Count == 0)
        {
            return;
        }

        var data = _device.Write(param);
        var diff = _device.WriteDiff(param);
        var first = _device.Write(history);
        var scalars = new StepScalars(step);
        switch (step.Rule)
        {
            case SolverRule.Momentum:
                _momentum(param.Count, data, diff, first, scalars);
                break;
            case SolverRule.Nesterov:
                _nesterov(param.Count, data, diff, first, scalars);
                break;
            case SolverRule.RunningSquare:
                _runningSquare(param.Count, data, diff, first, scalars);
                break;
            case SolverRule.AdaDelta:
                _adaDelta(param.Count, data, diff, first, _device.Write(history2!), scalars);
                break;
            case SolverRule.Adam:
                _adam(param.Count, data, diff, first, _device.Write(history2!), scalars);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Rule, "unknown update rule");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _partials?.Dispose();

    private static void RequireSameCount(Blob source, Blob target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Count != target.Count)
        {
            throw new ArgumentException($"blob '{target.Name}' holds {target.Count} values; '{source.Name}' holds {source.Count}", nameof(target));
        }
    }
}
