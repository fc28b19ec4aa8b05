using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Devices;

/// <summary>
/// A compute device beside the host (a GPU): memory for blobs, and the layers it can run. A net given a device
/// (NetOptions.Device) offers it every layer's forward and backward pass; a layer the device does
/// not take runs on the CPU as always, its blobs copied to the host and back only where the other side wrote last
/// (<see cref="SyncedMemory"/>), as Caffe's <c>Forward_gpu</c> falls back to <c>Forward_cpu</c>. Plugins need nothing.
/// </summary>
public interface IDevice : IDisposable
{
    /// <summary>The device's name, as <c>layernet device-query</c> shows it.</summary>
    string Name { get; }

    /// <summary>Device memory for <paramref name="length"/> floats (contents undefined until written).</summary>
    IDeviceArray Allocate(int length);

    /// <summary>Runs <paramref name="layer"/>'s forward pass on the device and returns true, or returns false (and does nothing) when it has no kernels for it.</summary>
    bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Runs <paramref name="layer"/>'s backward pass on the device and returns true, or returns false (and does nothing) when it has no kernels for it.</summary>
    bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom);

    /// <summary>Waits until every operation queued on the device has finished.</summary>
    void Synchronize();
}

/// <summary>One array of floats in a device's memory.</summary>
public interface IDeviceArray : IDisposable
{
    /// <summary>The device this memory belongs to.</summary>
    IDevice Device { get; }

    /// <summary>How many floats it holds.</summary>
    int Length { get; }

    /// <summary>Copies <paramref name="source"/> (at most <see cref="Length"/> floats) to the start of this array.</summary>
    void CopyFromHost(ReadOnlySpan<float> source);

    /// <summary>Copies the first <paramref name="destination"/>.Length floats of this array to the host.</summary>
    void CopyToHost(Span<float> destination);
}
