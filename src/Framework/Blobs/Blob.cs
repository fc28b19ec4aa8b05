using Caffe;
using Google.Protobuf.Collections;
using LayerNet.Errors;

namespace LayerNet.Blobs;

/// <summary>
/// An N-D array of float32 values with a gradient of the same shape: Caffe's Blob. Data and diff are
/// exposed as spans, the hot-path API. Reshaping reuses the storage when it is large enough, so a
/// net set up once runs forward and backward without allocating.
/// </summary>
/// <remarks>
/// Shape rules are Caffe's: up to 32 axes, every dimension non-negative, negative axis indices count
/// from the end, and the legacy 4-D accessors (<see cref="Num"/>, <see cref="Channels"/>, ...) read
/// missing trailing axes as 1 (a 64 x 10 blob has Num 64, Channels 10, Height 1, Width 1).
/// </remarks>
public sealed class Blob
{
    /// <summary>The largest number of axes a blob may have (as Caffe's kMaxBlobAxes).</summary>
    public const int MaxAxes = 32;

    private int[] _shape = [];

    /// <summary>Counts the changes of shape: the net reshapes a layer again when one of its bottoms changed shape.</summary>
    internal int ShapeVersion { get; private set; }
    private SyncedMemory _data = Empty;
    private SyncedMemory _diff = Empty;
    private int _count;

    /// <summary>Creates an empty blob (no axes... count 0 until reshaped).</summary>
    public Blob()
    {
    }

    /// <summary>Creates a blob with the given shape, data and diff zero.</summary>
    public Blob(params int[] shape)
    {
        Reshape(shape);
    }

    /// <summary>The blob's name in its net (empty for a free blob).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Number of axes.</summary>
    public int AxisCount => _shape.Length;

    /// <summary>Total number of elements (product of the dimensions; 1 for a scalar blob with no axes).</summary>
    public int Count => _count;

    /// <summary>The number of elements the storage can hold without reallocating.</summary>
    public int Capacity => _data.Length;

    /// <summary>
    /// The values, <see cref="Count"/> long, on the host: brought home first if a device wrote them last (see
    /// <see cref="DataMemory"/>); the caller may write them.
    /// </summary>
    public Span<float> Data => _data.Host.AsSpan(0, _count);

    /// <summary>The gradients, <see cref="Count"/> long, on the host (brought home first if a device wrote them last).</summary>
    public Span<float> Diff => _diff.Host.AsSpan(0, _count);

    /// <summary>The memory behind <see cref="Data"/>, host and device copies (a device's kernels reach the values through it).</summary>
    public SyncedMemory DataMemory => _data;

    /// <summary>The memory behind <see cref="Diff"/>, host and device copies.</summary>
    public SyncedMemory DiffMemory => _diff;

    // Shared by every blob of count 0 until it grows: never written, never sent to a device.
    private static SyncedMemory Empty => new(0);

    /// <summary>Legacy 4-D accessor: axis 0 (1 when absent).</summary>
    public int Num => LegacyShape(0);

    /// <summary>Legacy 4-D accessor: axis 1 (1 when absent).</summary>
    public int Channels => LegacyShape(1);

    /// <summary>Legacy 4-D accessor: axis 2 (1 when absent).</summary>
    public int Height => LegacyShape(2);

    /// <summary>Legacy 4-D accessor: axis 3 (1 when absent).</summary>
    public int Width => LegacyShape(3);

    /// <summary>The dimension of an axis; negative indices count from the end (-1 is the last axis).</summary>
    public int this[int axis] => _shape[CanonicalAxis(axis)];

    /// <summary>
    /// Turns an axis index in [-AxisCount, AxisCount) into [0, AxisCount).
    /// </summary>
    /// <exception cref="LayerNetException">The index is out of range.</exception>
    public int CanonicalAxis(int axis)
    {
        if (axis < -AxisCount || axis >= AxisCount)
        {
            throw new LayerNetException(
                $"axis {axis} is out of range for blob '{Name}' with {AxisCount} axes {ShapeString}; expected {-AxisCount} <= axis < {AxisCount}");
        }

        return axis < 0 ? axis + AxisCount : axis;
    }

    /// <summary>The product of the dimensions from axis <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    public int CountRange(int start, int end)
    {
        if (start < 0 || end > AxisCount || start > end)
        {
            throw new LayerNetException($"axis range [{start}, {end}) is invalid for blob '{Name}' with shape {ShapeString}");
        }

        var count = 1;
        for (var i = start; i < end; i++)
        {
            count *= _shape[i];
        }

        return count;
    }

    /// <summary>The product of the dimensions from axis <paramref name="start"/> to the last.</summary>
    public int CountFrom(int start) => CountRange(start, AxisCount);

    /// <summary>The shape as Caffe prints it: <c>64 10 (640)</c>.</summary>
    public string ShapeString => _shape.Length == 0 ? "(1)" : $"{string.Join(' ', _shape)} ({_count})";

    /// <summary>True when the blob has exactly this shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);

    /// <summary>
    /// Changes the shape. Storage grows when needed and is kept otherwise; the values of a reshaped blob
    /// are those of its storage (zero when freshly grown).
    /// </summary>
    public void Reshape(ReadOnlySpan<int> shape)
    {
        if (shape.Length > MaxAxes)
        {
            throw new LayerNetException($"blob '{Name}' would have {shape.Length} axes; at most {MaxAxes} are allowed");
        }

        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new LayerNetException($"blob '{Name}' cannot have a negative dimension ({FormatShape(shape)})");
            }

            count *= dim;
            if (count > Array.MaxLength)
            {
                throw new LayerNetException($"blob '{Name}' of shape {FormatShape(shape)} is too large ({count} elements or more)");
            }
        }

        if (count > _data.Length)
        {
            // Data and diff together; an absurd shape (dim: 2000000000) is a mistake in the model file, not a reason
            // to exhaust the machine's memory or to surface an OutOfMemoryException.
            var bytes = 2L * sizeof(float) * count;
            var memory = GC.GetGCMemoryInfo();
            var free = memory.TotalAvailableMemoryBytes - memory.MemoryLoadBytes;
            if (memory.TotalAvailableMemoryBytes > 0 && bytes > free)
            {
                throw new LayerNetException(
                    $"blob '{Name}' of shape {FormatShape(shape)} needs {bytes >> 20} MiB for its data and diff; only {Math.Max(0, free) >> 20} MiB of memory is free");
            }

            try
            {
                _data = new SyncedMemory((int)count);
                _diff = new SyncedMemory((int)count);
            }
            catch (OutOfMemoryException exception)
            {
                throw new LayerNetException($"blob '{Name}' of shape {FormatShape(shape)} does not fit in memory ({bytes >> 20} MiB for its data and diff)", exception);
            }
        }

        if (!shape.SequenceEqual(_shape))
        {
            _shape = shape.ToArray();
            ShapeVersion++;
        }

        _count = (int)count;
    }

    /// <summary>Changes the shape to another blob's.</summary>
    public void ReshapeLike(Blob other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Reshape(other._shape);
    }

    /// <summary>Changes the shape to a <see cref="BlobShape"/> message's.</summary>
    public void Reshape(BlobShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Reshape(ToDimensions(shape.Dim, Name));
    }

    /// <summary>
    /// Makes this blob use <paramref name="other"/>'s data storage (Caffe's ShareData): a change through
    /// either is seen by both. Both must have the same count.
    /// </summary>
    public void ShareData(Blob other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameCount(other);
        _data = other._data;
    }

    /// <summary>Makes this blob use <paramref name="other"/>'s diff storage (Caffe's ShareDiff).</summary>
    public void ShareDiff(Blob other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameCount(other);
        _diff = other._diff;
    }

    /// <summary>The array behind <see cref="Data"/> (the net's memory plan compares and hands these out).</summary>
    internal float[] DataStorage => _data.HostArray;

    /// <summary>Makes <paramref name="storage"/>, at least <see cref="Count"/> long, this blob's data storage (its values are whatever it holds).</summary>
    internal void UseDataStorage(SyncedMemory storage)
    {
        if (storage.Length < _count)
        {
            throw new ArgumentException($"blob '{Name}' needs {_count} values; the storage holds {storage.Length}", nameof(storage));
        }

        _data = storage;
    }

    /// <summary>True when this blob's data is <paramref name="other"/>'s data storage.</summary>
    public bool SharesDataWith(Blob other) => ReferenceEquals(_data, other?._data);

    /// <summary>Frees the device copies of data and diff, bringing their latest values home first.</summary>
    public void ReleaseDevice()
    {
        _data.ReleaseDevice();
        _diff.ReleaseDevice();
    }

    /// <summary>Caffe's Update: data -= diff.</summary>
    public void Update()
    {
        Numerics.SolverMath.SubtractInPlace(Data, Diff);
    }

    /// <summary>Copies another blob's data (and diff when asked), reshaping this one when <paramref name="reshape"/> is set.</summary>
    public void CopyFrom(Blob source, bool copyDiff = false, bool reshape = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!HasShape(source._shape))
        {
            if (!reshape)
            {
                throw new LayerNetException($"cannot copy blob '{source.Name}' of shape {source.ShapeString} into '{Name}' of shape {ShapeString}");
            }

            ReshapeLike(source);
        }

        (copyDiff ? source.Diff : source.Data).CopyTo(copyDiff ? Diff : Data);
    }

    /// <summary>
    /// Reads values (and diff, if present) from a <see cref="BlobProto"/>, accepting <c>shape</c> or the
    /// legacy num/channels/height/width, and float or double data.
    /// </summary>
    /// <param name="proto">The message.</param>
    /// <param name="reshape">Reshape to the message's shape; otherwise the shapes must match.</param>
    /// <exception cref="LayerNetException">The shapes differ, or the value count does not match the shape.</exception>
    public void FromProto(BlobProto proto, bool reshape = true)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var shape = ShapeOf(proto);
        if (reshape)
        {
            Reshape(shape);
        }
        else if (!ShapeEquals(proto))
        {
            throw new LayerNetException($"blob '{Name}': expected shape {ShapeString}, the stored blob has shape {FormatShape(shape)}");
        }

        var data = Data;
        if (proto.DoubleData.Count > 0)
        {
            RequireValueCount(proto.DoubleData.Count, "double_data");
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)proto.DoubleData[i];
            }
        }
        else
        {
            RequireValueCount(proto.Data.Count, "data");
            CopyRepeated(proto.Data, data);
        }

        var diff = Diff;
        if (proto.DoubleDiff.Count > 0)
        {
            RequireValueCount(proto.DoubleDiff.Count, "double_diff");
            for (var i = 0; i < diff.Length; i++)
            {
                diff[i] = (float)proto.DoubleDiff[i];
            }
        }
        else if (proto.Diff.Count > 0)
        {
            RequireValueCount(proto.Diff.Count, "diff");
            CopyRepeated(proto.Diff, diff);
        }
    }

    /// <summary>
    /// True when a stored blob fits this blob without reshaping (Caffe's ShapeEquals): the same <c>shape</c>, or
    /// legacy num/channels/height/width equal to this shape padded with 1s in front (an old InnerProduct weight
    /// of shape N x K is stored as 1 1 N K).
    /// </summary>
    public bool ShapeEquals(BlobProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        return HasShape(ShapeOf(proto)) || LegacyShapeEquals(proto);
    }

    /// <summary>Writes the blob as Caffe does: <c>shape</c> and float <c>data</c> (and <c>diff</c> when asked).</summary>
    public BlobProto ToProto(bool writeDiff = false)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        foreach (var dim in _shape)
        {
            proto.Shape.Dim.Add(dim);
        }

        AddRange(proto.Data, Data);
        if (writeDiff)
        {
            AddRange(proto.Diff, Diff);
        }

        return proto;
    }

    /// <summary>The shape a <see cref="BlobProto"/> describes: its <c>shape</c>, else the legacy 4-D fields.</summary>
    public static int[] ShapeOf(BlobProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        if (proto.Shape is not null)
        {
            return ToDimensions(proto.Shape.Dim, "<proto>");
        }

        if (proto.HasNum || proto.HasChannels || proto.HasHeight || proto.HasWidth)
        {
            return [proto.Num, proto.Channels, proto.Height, proto.Width];
        }

        return [];
    }

    /// <summary>Formats a shape as Caffe prints it.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return shape.Length == 0 ? "(1)" : $"{string.Join(' ', shape.ToArray())} ({count})";
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ShapeString}";

    private static int[] ToDimensions(RepeatedField<long> dims, string name)
    {
        var shape = new int[dims.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue)
            {
                throw new LayerNetException($"blob '{name}': dimension {dims[i]} is out of range");
            }

            shape[i] = (int)dims[i];
        }

        return shape;
    }

    private static void CopyRepeated(RepeatedField<float> source, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = source[i];
        }
    }

    private static void AddRange(RepeatedField<float> destination, ReadOnlySpan<float> source)
    {
        destination.Capacity = source.Length;
        foreach (var value in source)
        {
            destination.Add(value);
        }
    }

    private bool LegacyShapeEquals(BlobProto proto)
    {
        // Caffe compares legacy 4-D blobs with LegacyShape(-4..-1): the shape padded with 1s in front, because
        // legacy parameter blobs were indexed from the end (a bias is 1 1 1 N, a weight 1 1 N K).
        if (proto.Shape is not null || AxisCount > 4 || !(proto.HasNum || proto.HasChannels || proto.HasHeight || proto.HasWidth))
        {
            return false;
        }

        return LegacyShapeFromEnd(4) == proto.Num && LegacyShapeFromEnd(3) == proto.Channels &&
            LegacyShapeFromEnd(2) == proto.Height && LegacyShapeFromEnd(1) == proto.Width;
    }

    private int LegacyShapeFromEnd(int fromEnd)
    {
        return fromEnd > AxisCount ? 1 : _shape[AxisCount - fromEnd];
    }

    private int LegacyShape(int index)
    {
        if (AxisCount > 4)
        {
            throw new LayerNetException($"blob '{Name}' has {AxisCount} axes; the legacy 4-D accessors need at most 4");
        }

        // Axes past the last read as 1, as Caffe's LegacyShape(0..3) does.
        return index < AxisCount ? _shape[index] : 1;
    }

    private void RequireValueCount(int actual, string field)
    {
        if (actual != _count)
        {
            throw new LayerNetException($"blob '{Name}' of shape {ShapeString} needs {_count} values; the stored blob has {actual} in '{field}'");
        }
    }

    private void RequireSameCount(Blob other)
    {
        if (other._count != _count)
        {
            throw new LayerNetException($"cannot share blob '{other.Name}' ({other.ShapeString}) with '{Name}' ({ShapeString}): the counts differ");
        }
    }
}
