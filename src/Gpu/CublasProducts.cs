using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime.Cuda;
using LayerNet.Errors;

namespace LayerNet.Gpu;

/// <summary>
/// Matrix products through NVIDIA's cuBLAS (<c>cublasSgemm_v2</c>), when the library is installed beside the driver:
/// loaded at run time (libcublas.so.12, .so.11 or .so.10 and their Windows names), never required. Its stable C entry
/// points are called directly, so any CUDA 10 to 12 installation serves; the products run on the accelerator's stream,
/// ordered with LayerNet's kernels. Default math (no TF32 tensor cores), pointer mode host: float32 results, repeatable
/// on one device (cuBLAS picks no atomics unless asked).
/// </summary>
internal sealed unsafe class CublasProducts : IDisposable
{
    private static readonly string[] LibraryNames =
    [
        "libcublas.so.12", "libcublas.so.11", "libcublas.so.10", "libcublas.so",
        "cublas64_12.dll", "cublas64_11.dll", "cublas64_10.dll",
    ];

    private readonly nint _library;
    private readonly nint _handle;
    private readonly delegate* unmanaged<nint, int> _destroy;
    private readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int> _sgemm;

    private CublasProducts(nint library, string name, CudaAccelerator accelerator)
    {
        _library = library;
        Library = name;
        var create = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(library, "cublasCreate_v2");
        _destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
        var setStream = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(library, "cublasSetStream_v2");
        _sgemm = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int>)NativeLibrary.GetExport(library, "cublasSgemm_v2");
        accelerator.Bind();
        nint handle;
        Check(create(&handle), "cublasCreate_v2");
        _handle = handle;
        if (accelerator.DefaultStream is CudaStream stream)
        {
            Check(setStream(_handle, stream.StreamPtr), "cublasSetStream_v2");
        }
    }

    /// <summary>The library file that was loaded.</summary>
    public string Library { get; }

    /// <summary>
    /// Opens cuBLAS for a CUDA accelerator, or returns null with the reason (no CUDA accelerator, no library, a
    /// library without the entry points, or one that would not start).
    /// </summary>
    public static CublasProducts? TryOpen(ILGPU.Runtime.Accelerator accelerator, out string reason)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator is not CudaAccelerator cuda)
        {
            reason = "not a CUDA device";
            return null;
        }

        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var library))
            {
                continue;
            }

            try
            {
                reason = "";
                return new CublasProducts(library, name, cuda);
            }
            catch (Exception exception) when (exception is EntryPointNotFoundException or LayerNetException)
            {
                NativeLibrary.Free(library);
                reason = $"{name}: {exception.Message}";
                return null;
            }
        }

        reason = "no cuBLAS library found (" + string.Join(", ", LibraryNames) + ")";
        return null;
    }

    /// <summary>C = alpha op(A) op(B) + beta C on the device, row-major, as <see cref="Kernels.Gemm"/> computes it.</summary>
    public void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape shape)
    {
        var call = CublasCall.For(shape);
        var alpha = shape.Alpha;
        var beta = shape.Beta;
        Check(
            _sgemm(
                _handle,
                call.TransposeFirst ? 1 : 0,
                call.TransposeSecond ? 1 : 0,
                call.M,
                call.N,
                call.K,
                &alpha,
                Address(b),
                call.LeadingFirst,
                Address(a),
                call.LeadingSecond,
                &beta,
                Address(c),
                call.LeadingC),
            "cublasSgemm_v2");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _ = _destroy(_handle);
        NativeLibrary.Free(_library);
    }

    // The device address of a view's first element (its buffer's address plus its offset), as ILGPU's own CUDA memory
    // operations take it.
    private static nint Address(ArrayView<float> view)
    {
        IContiguousArrayView contiguous = view;
        return contiguous.Buffer.NativePtr + (nint)contiguous.IndexInBytes;
    }

    private static void Check(int status, string function)
    {
        if (status != 0)
        {
            throw new LayerNetException($"{function} failed with cuBLAS status {status}");
        }
    }
}
