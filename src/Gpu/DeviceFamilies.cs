using LayerNet.Layers.Common;
using LayerNet.Layers.Loss;
using LayerNet.Layers.Neuron;
using LayerNet.Layers.Vision;

namespace LayerNet.Gpu;

/// <summary>
/// Every family of layers the device runs, each with the exact layer types it takes; a layer of any other type
/// (a plugin, a subclass of a built-in layer) runs on the CPU with its blobs synchronised around it.
/// </summary>
internal static class DeviceFamilies
{
    public static IReadOnlyList<DeviceFamilyEntry> All { get; } =
    [
        new([typeof(InnerProductLayer)], device => new InnerProductFamily(device)),
        new([typeof(ReLULayer), typeof(SigmoidLayer), typeof(TanHLayer)], device => new NeuronFamily(device)),
        new([typeof(ConvolutionLayer), typeof(DeconvolutionLayer), typeof(PoolingLayer), typeof(LRNLayer)], device => new VisionFamily(device)),
        new([typeof(SoftmaxLayer), typeof(SoftmaxWithLossLayer)], device => new SoftmaxFamily(device)),
        new([typeof(EuclideanLossLayer), typeof(HingeLossLayer)], device => new LossFamily(device)),
        new(
            [typeof(AbsValLayer), typeof(BNLLLayer), typeof(ELULayer), typeof(ExpLayer), typeof(LogLayer), typeof(PowerLayer), typeof(SwishLayer), typeof(ClipLayer), typeof(ThresholdLayer), typeof(PReLULayer), typeof(DropoutLayer)],
            device => new ActivationFamily(device)),
        new([typeof(EltwiseLayer), typeof(ConcatLayer), typeof(SplitLayer), typeof(SliceLayer)], device => new ElementwiseFamily(device)),
        new([typeof(BatchNormLayer), typeof(ScaleLayer), typeof(BiasLayer)], device => new NormalizationFamily(device)),
    ];
}
