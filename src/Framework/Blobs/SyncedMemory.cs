using LayerNet.Devices;

namespace LayerNet.Blobs;

/// <summary>
/// A blob's values (or gradients) on the host and, once a device has used them, in the device's memory too: Caffe's
/// SyncedMemory. The copies move only when one side reads after the other wrote: <see cref="Host"/> (the span API
/// every CPU layer and plugin uses) brings the values home if the device wrote last, and <see cref="ForDevice"/>
/// sends them over if the host did. Without a device nothing moves and nothing is allocated beside the array.
/// </summary>
/// <remarks>Blobs that share storage (<see cref="Blob.ShareData"/>) share one SyncedMemory, so its copies stay one.</remarks>
public sealed class SyncedMemory
{
    private readonly float[] _host;
    private IDeviceArray? _device;
    private Side _head = Side.Host;

    /// <summary>Host memory of <paramref name="length"/> floats, zero.</summary>
    public SyncedMemory(int length)
        : this(length == 0 ? [] : new float[length])
    {
    }

    /// <summary>Wraps <paramref name="host"/> (the values are its contents).</summary>
    public SyncedMemory(float[] host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    private enum Side
    {
        // The host holds the latest values (the device copy, if any, is stale).
        Host,

        // The device holds the latest values (the host array is stale).
        Device,

        // Both hold the same values.
        Both,
    }

    /// <summary>How many floats it holds.</summary>
    public int Length => _host.Length;

    /// <summary>
    /// The host array, holding the latest values (copied from the device if the device wrote last); the caller may
    /// write it, so the device copy counts as stale from here on.
    /// </summary>
    public float[] Host
    {
        get
        {
            if (_head != Side.Host)
            {
                ToHost();
            }

            Version++;
            return _host;
        }
    }

    /// <summary>
    /// The host array with the latest values, for a caller that only reads it: the version does not change (a layer
    /// that caches something computed from the values, such as transformed weights, reads them this way).
    /// </summary>
    internal float[] HostToRead
    {
        get
        {
            if (_head == Side.Device)
            {
                // Both copies hold the values from here on: the reader writes neither.
                _device!.CopyToHost(_host);
                _head = Side.Both;
            }

            return _host;
        }
    }

    /// <summary>
    /// Counts the occasions the values may have been written: each <see cref="Host"/> (its caller may write) and each
    /// <see cref="ForDevice"/> for writing. A cache of something computed from the values is valid while this is
    /// unchanged, as in Caffe, provided nobody writes through a span or array taken before the cache was made.
    /// </summary>
    internal long Version { get; private set; }

    /// <summary>The host array as it is, without bringing the device's values home (identity for storage planning).</summary>
    internal float[] HostArray => _host;

    /// <summary>True when the device holds values the host array does not have yet.</summary>
    public bool DeviceIsAhead => _head == Side.Device;

    /// <summary>
    /// The device copy on <paramref name="device"/>, holding the latest values (sent from the host if the host wrote
    /// last, allocated at the first call). With <paramref name="write"/> the caller will write it, so the host copy
    /// counts as stale; otherwise both stay valid.
    /// </summary>
    public IDeviceArray ForDevice(IDevice device, bool write)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_device is null || !ReferenceEquals(_device.Device, device))
        {
            // First use on this device (or on another one: the host holds the values then, see ToHost).
            if (_head == Side.Device)
            {
                ToHost();
            }

            _device?.Dispose();
            _device = device.Allocate(Math.Max(1, _host.Length));
            _head = Side.Host;
        }

        if (_head == Side.Host)
        {
            _device.CopyFromHost(_host);
            _head = Side.Both;
        }

        if (write)
        {
            _head = Side.Device;
            Version++;
        }

        return _device;
    }

    /// <summary>Frees the device copy (bringing its values home first if they are the latest).</summary>
    public void ReleaseDevice()
    {
        if (_device is null)
        {
            return;
        }

        if (_head == Side.Device)
        {
            ToHost();
        }

        _device.Dispose();
        _device = null;
        _head = Side.Host;
    }

    private void ToHost()
    {
        if (_head == Side.Device)
        {
            _device!.CopyToHost(_host);
        }

        _head = Side.Host;
    }
}
