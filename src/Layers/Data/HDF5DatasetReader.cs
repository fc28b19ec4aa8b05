using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using PureHDF;
using PureHDF.VOL.Native;

namespace LayerNet.Layers.Data;

/// <summary>
/// Reads a numeric HDF5 dataset into float32, whatever its stored element type: float16/32/64 and
/// signed or unsigned integers of 1, 2, 4 or 8 bytes (as Caffe's hdf5_load_nd_dataset, which accepts
/// H5T_FLOAT and H5T_INTEGER and lets HDF5 convert).
/// </summary>
/// <remarks>
/// PureHDF does not convert between element types (reading a float64 dataset as float fails with
/// "Unable to decode values types of different type size"), so the dataset is read as its own type into a
/// caller-owned scratch buffer and converted here.
/// </remarks>
internal static class HDF5DatasetReader
{
    /// <summary>The stored size in bytes of one element, or null when the type is not one this reader converts.</summary>
    public static int? ElementSize(IH5DataType type) => (type.Class, type.Size) switch
    {
        (H5DataTypeClass.FloatingPoint, 2 or 4 or 8) => type.Size,
        (H5DataTypeClass.FixedPoint, 1 or 2 or 4 or 8) => type.Size,
        _ => null,
    };

    /// <summary>True when the dataset is stored as float32, which is read without conversion.</summary>
    public static bool IsFloat32(IH5DataType type) => type is { Class: H5DataTypeClass.FloatingPoint, Size: sizeof(float) };

    /// <summary>The number of elements in the dataset (1 for a scalar).</summary>
    public static long Count(IH5Dataset dataset)
    {
        long count = 1;
        foreach (var dimension in dataset.Space.Dimensions)
        {
            count *= (long)dimension;
        }

        return count;
    }

    /// <summary>
    /// Reads all of <paramref name="dataset"/> into <paramref name="destination"/> (exactly its element count
    /// long). <paramref name="scratch"/> holds the stored values of a non-float32 dataset before conversion
    /// and must be at least count x element size bytes for such a dataset.
    /// </summary>
    public static void ReadAsFloat(NativeDataset dataset, Span<float> destination, byte[] scratch)
    {
        var type = dataset.Type;
        var signed = type.Class == H5DataTypeClass.FixedPoint && type.FixedPoint.IsSigned;
        switch (type.Class, type.Size, signed)
        {
            case (H5DataTypeClass.FloatingPoint, 4, _):
                dataset.Read(destination);
                break;
            case (H5DataTypeClass.FloatingPoint, 8, _):
                Convert<double>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FloatingPoint, 2, _):
                Convert<Half>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 1, true):
                Convert<sbyte>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 1, false):
                Convert<byte>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 2, true):
                Convert<short>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 2, false):
                Convert<ushort>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 4, true):
                Convert<int>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 4, false):
                Convert<uint>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 8, true):
                Convert<long>(dataset, destination, scratch);
                break;
            case (H5DataTypeClass.FixedPoint, 8, false):
                Convert<ulong>(dataset, destination, scratch);
                break;
            default:
                throw new NotSupportedException($"HDF5 type {type.Class} of {type.Size} bytes is not numeric");
        }
    }

    private static void Convert<T>(NativeDataset dataset, Span<float> destination, byte[] scratch)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        var stored = MemoryMarshal.Cast<byte, T>(scratch.AsSpan())[..destination.Length];
        dataset.Read(stored);
        TensorPrimitives.ConvertTruncating(stored, destination);
    }
}
