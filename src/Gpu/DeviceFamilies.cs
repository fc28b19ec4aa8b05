using LayerNet.Layers.Common;
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
    ];
}
