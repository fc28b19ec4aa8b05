using ILGPU;
using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;
using LayerNet.Layers.Neuron;

namespace LayerNet.Gpu;

/// <summary>The elementwise neurons on the device: ReLU (leaky too), Sigmoid, TanH.</summary>
internal sealed class NeuronFamily : DeviceFamily
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _reluForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> _reluBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _sigmoidForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _sigmoidBackward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _tanhForward;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _tanhBackward;

    public NeuronFamily(GpuDevice device)
        : base(device)
    {
        _reluForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(Kernels.ReluForward);
        _reluBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(Kernels.ReluBackward);
        _sigmoidForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(Kernels.SigmoidForward);
        _sigmoidBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Kernels.SigmoidBackward);
        _tanhForward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(Kernels.TanHForward);
        _tanhBackward = Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Kernels.TanHBackward);
    }

    /// <inheritdoc/>
    public override bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        switch (layer)
        {
            case ReLULayer when ReferenceEquals(top[0], bottom[0]) && (layer.Parameter.ReluParam?.NegativeSlope ?? 0f) < 0f:
                // In place with a negative slope the CPU layer keeps x aside in forward for its backward (declined
                // below): both passes are the CPU layer's.
                return false;
            case ReLULayer:
                _reluForward(bottom[0].Count, Read(bottom[0]), Write(top[0]), layer.Parameter.ReluParam?.NegativeSlope ?? 0f);
                return true;
            case SigmoidLayer:
                _sigmoidForward(bottom[0].Count, Read(bottom[0]), Write(top[0]));
                return true;
            case TanHLayer:
                _tanhForward(bottom[0].Count, Read(bottom[0]), Write(top[0]));
                return true;
            default:
                return false;
        }
    }

    /// <inheritdoc/>
    public override bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        switch (layer)
        {
            case ReLULayer:
                var slope = layer.Parameter.ReluParam?.NegativeSlope ?? 0f;
                if (ReferenceEquals(top[0], bottom[0]) && slope < 0f)
                {
                    // In place with a negative slope, y no longer tells the sign of x: the CPU layer's rule applies.
                    return false;
                }

                if (propagateDown[0])
                {
                    _reluBackward(bottom[0].Count, Read(bottom[0]), ReadDiff(top[0]), WriteDiff(bottom[0]), slope);
                }

                return true;
            case SigmoidLayer:
                if (propagateDown[0])
                {
                    _sigmoidBackward(bottom[0].Count, Read(top[0]), ReadDiff(top[0]), WriteDiff(bottom[0]));
                }

                return true;
            case TanHLayer:
                if (propagateDown[0])
                {
                    _tanhBackward(bottom[0].Count, Read(top[0]), ReadDiff(top[0]), WriteDiff(bottom[0]));
                }

                return true;
            default:
                return false;
        }
    }
}
