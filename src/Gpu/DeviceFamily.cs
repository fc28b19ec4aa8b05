using ILGPU.Runtime;
using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Gpu;

/// <summary>
/// The device passes of a family of layers (the neurons, the products, the convolutions, ...): its kernels are
/// compiled when the device first meets one of its layers, so opening a device costs nothing per family.
/// A pass that returns false runs on the CPU instead (a case the family's kernels do not cover).
/// </summary>
internal abstract class DeviceFamily(GpuDevice device)
{
    /// <summary>The device the family's kernels run on.</summary>
    protected GpuDevice Device { get; } = device;

    /// <summary>The accelerator to load kernels on.</summary>
    protected Accelerator Accelerator => Device.Accelerator;

    /// <summary>Runs the forward pass of <paramref name="layer"/> on the device, or returns false to leave it to the CPU.</summary>
    public abstract bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Runs the backward pass of <paramref name="layer"/> on the device, or returns false to leave it to the CPU.</summary>
    public abstract bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom);

    /// <summary>A blob's values on the device, for reading.</summary>
    protected ILGPU.ArrayView<float> Read(Blob blob) => Device.Read(blob);

    /// <summary>A blob's values on the device, for writing.</summary>
    protected ILGPU.ArrayView<float> Write(Blob blob) => Device.Write(blob);

    /// <summary>A blob's gradient on the device, for reading.</summary>
    protected ILGPU.ArrayView<float> ReadDiff(Blob blob) => Device.ReadDiff(blob);

    /// <summary>A blob's gradient on the device, for writing.</summary>
    protected ILGPU.ArrayView<float> WriteDiff(Blob blob) => Device.WriteDiff(blob);
}
