using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using LayerNet.Blobs;
using LayerNet.Devices;
using LayerNet.Errors;
using LayerNet.Layers;
using IDevice = LayerNet.Devices.IDevice;

namespace LayerNet.Gpu;

/// <summary>
/// A GPU as LayerNet's <see cref="IDevice"/>, through ILGPU: kernels written in C# (<see cref="Kernels"/>) compiled
/// to PTX for NVIDIA GPUs or to OpenCL at first use. <c>LAYERNET_GPU_BACKEND=cpu</c> makes ILGPU's CPU accelerator
/// device 0, so the GPU code path runs anywhere (slowly), as the tests run it. It runs the solver's update too
/// (<see cref="ISolverDevice"/>, through <see cref="SolverOperations"/>).
/// </summary>
public sealed class GpuDevice : IDevice, ISolverDevice
{
    /// <summary>The environment variable that picks the backend: <c>cuda</c>, <c>opencl</c>, <c>cpu</c>; unset tries CUDA, then OpenCL.</summary>
    public const string BackendVariable = "LAYERNET_GPU_BACKEND";

    /// <summary>
    /// The environment variable that chooses the matrix products on a CUDA device: <c>kernel</c> (LayerNet's own tiled
    /// kernel), <c>cublas</c> (cuBLAS, an error where it cannot be loaded); unset, cuBLAS where it loads, else the kernel.
    /// </summary>
    public const string ProductsVariable = "LAYERNET_GPU_GEMM";

    private readonly Context _context;

    // ILGPU's CPU accelerator: groups as large as a tile of the product (Tile x Tile threads), so that the tests can
    // run the tiled kernel there too (the device itself runs the direct product, see TiledProducts).
    private const int CpuWarps = Kernels.Tile * Kernels.Tile / 4;
    private readonly Accelerator _accelerator;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> _gemm;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> _gemmDirect;
    private readonly DeviceFamily?[] _families = new DeviceFamily?[DeviceFamilies.All.Count];
    private readonly Dictionary<Type, DeviceFamily?> _byLayer = [];

    // The solver's kernels, compiled when a solver first updates on this device.
    private SolverOperations? _solver;

    // cuBLAS, where it was found on a CUDA device and not declined (ProductsVariable); null: LayerNet's kernels.
    private readonly CublasProducts? _cublas;

    private GpuDevice(Context context, Accelerator accelerator, string backend)
    {
        _context = context;
        _accelerator = accelerator;
        Backend = backend;
        _gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(Kernels.Gemm);
        _gemmDirect = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(Kernels.GemmDirect);
        TiledProducts = accelerator.AcceleratorType != AcceleratorType.CPU;
        var choice = (Environment.GetEnvironmentVariable(ProductsVariable) ?? "").Trim().ToUpperInvariant();
        if (choice is not ("" or "KERNEL" or "CUBLAS"))
        {
            throw new LayerNetException($"{ProductsVariable}={Environment.GetEnvironmentVariable(ProductsVariable)}: the choices are kernel and cublas (unset: cuBLAS where it loads)");
        }

        var reason = "";
        _cublas = choice == "KERNEL" ? null : CublasProducts.TryOpen(accelerator, out reason);
        if (_cublas is null && choice == "CUBLAS")
        {
            throw new LayerNetException($"{ProductsVariable}=cublas: cuBLAS cannot be used on {accelerator.Name}: {reason}");
        }
    }

    /// <summary>
    /// Which code computes the matrix products: cuBLAS (with the library's file name), or LayerNet's tiled kernel, or
    /// its direct kernel (ILGPU's CPU accelerator).
    /// </summary>
    public string Products => _cublas is not null ? $"cuBLAS ({_cublas.Library})" : TiledProducts ? "LayerNet's tiled kernel" : "LayerNet's direct kernel";

    /// <inheritdoc/>
    public string Name => _accelerator.Name;

    /// <summary>The backend the device runs on: CUDA, OpenCL or CPU (ILGPU's CPU accelerator).</summary>
    public string Backend { get; }

    /// <summary>
    /// True (on a GPU) when products run the tiled kernel, false (on ILGPU's CPU accelerator) when they run the
    /// direct one; both sum each element over k in the same order. Tests set it to check both on any machine.
    /// </summary>
    internal bool TiledProducts { get; set; }

    /// <summary>The device's memory in bytes.</summary>
    public long MemoryBytes => _accelerator.MemorySize;

    /// <summary>
    /// Opens device <paramref name="ordinal"/> of the backend <see cref="BackendVariable"/> names (CUDA's devices,
    /// then OpenCL's GPUs, when unset).
    /// </summary>
    /// <exception cref="LayerNetException">No such device: the message says which backends were tried and what they found.</exception>
    public static GpuDevice Open(int ordinal)
    {
        if (ordinal < 0)
        {
            throw new LayerNetException($"--gpu {ordinal}: a device number is 0 or more");
        }

        var (context, devices, tried) = Discover();
        if (ordinal >= devices.Count)
        {
            context.Dispose();
            var found = devices.Count == 0 ? "no GPU device was found" : $"only {devices.Count} device{(devices.Count == 1 ? " was" : "s were")} found (0 to {devices.Count - 1})";
            throw new LayerNetException(
                $"--gpu {ordinal}: {found} (backends tried: {tried}); {BackendVariable}=cpu runs the GPU code path on ILGPU's CPU accelerator as device 0");
        }

        var (device, backend) = devices[ordinal];
        try
        {
            return new GpuDevice(context, device.CreateAccelerator(context), backend);
        }
        catch (Exception exception) when (exception is not LayerNetException)
        {
            context.Dispose();
            throw new LayerNetException($"--gpu {ordinal}: {device.Name} ({backend}) could not be opened: {exception.Message}", exception);
        }
    }

    /// <summary>What <c>layernet device-query</c> prints: one block of lines per device, or the backends tried when there is none.</summary>
    public static IReadOnlyList<string> Query()
    {
        var (context, devices, tried) = Discover();
        using (context)
        {
            var lines = new List<string>();
            if (devices.Count == 0)
            {
                lines.Add($"no GPU device was found (backends tried: {tried}); {BackendVariable}=cpu makes ILGPU's CPU accelerator device 0");
                return lines;
            }

            for (var i = 0; i < devices.Count; i++)
            {
                var (device, backend) = devices[i];
                lines.Add($"Device id:                     {i}");
                lines.Add($"Name:                          {device.Name}");
                lines.Add($"Backend:                       {backend}");
                lines.Add($"Total global memory:           {device.MemorySize}");
                lines.Add($"Total shared memory per block: {device.MaxSharedMemoryPerGroup}");
                lines.Add($"Warp size:                     {device.WarpSize}");
                lines.Add($"Maximum threads per block:     {device.MaxNumThreadsPerGroup}");
                lines.Add($"Number of multiprocessors:     {device.NumMultiprocessors}");
            }

            return lines;
        }
    }

    private static (Context Context, List<(Device Device, string Backend)> Devices, string Tried) Discover()
    {
        var backend = (Environment.GetEnvironmentVariable(BackendVariable) ?? string.Empty).Trim().ToUpperInvariant();
        if (backend is not ("" or "CUDA" or "OPENCL" or "CPU"))
        {
            throw new LayerNetException($"{BackendVariable}={Environment.GetEnvironmentVariable(BackendVariable)}: the backends are cuda, opencl and cpu (unset tries cuda, then opencl)");
        }

        var context = Context.Create(builder =>
        {
            builder.EnableAlgorithms();
            if (backend == "CPU")
            {
                // A CPU device whose groups hold a whole tile of the product (Tile x Tile threads).
                builder.CPU(new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: CpuWarps, numMultiprocessors: 1));
                return;
            }

            if (backend is "" or "CUDA")
            {
                builder.Cuda();
            }

            if (backend is "" or "OPENCL")
            {
                builder.OpenCL(device => device.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU);
            }
        });
        var devices = new List<(Device, string)>();
        foreach (var device in context)
        {
            // ILGPU's context always holds a CPU device; it is device 0 only when the CPU backend was asked for.
            if ((device.AcceleratorType == AcceleratorType.CPU) != (backend == "CPU"))
            {
                continue;
            }

            var name = device.AcceleratorType switch
            {
                AcceleratorType.Cuda => "CUDA",
                AcceleratorType.OpenCL => "OpenCL",
                _ => "CPU",
            };
            devices.Add((device, name));
        }

        var tried = backend switch
        {
            "CPU" => "ILGPU's CPU accelerator",
            "CUDA" => "CUDA",
            "OPENCL" => "OpenCL",
            _ => "CUDA, OpenCL",
        };
        return (context, devices, tried);
    }

    /// <inheritdoc/>
    public IDeviceArray Allocate(int length) => new DeviceArray(this, _accelerator.Allocate1D<float>(length));

    /// <inheritdoc/>
    public void Synchronize() => _accelerator.Synchronize();

    /// <inheritdoc/>
    public bool TryForward(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return FamilyOf(layer)?.TryForward(layer, bottom, top) ?? false;
    }

    /// <inheritdoc/>
    public bool TryBackward(Layer layer, IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(propagateDown);
        return FamilyOf(layer)?.TryBackward(layer, top, propagateDown, bottom) ?? false;
    }

    /// <inheritdoc/>
    public void ClearDiff(Blob blob) => Solver.ClearDiff(blob);

    /// <inheritdoc/>
    public void CopyDiff(Blob source, Blob target) => Solver.CopyDiff(source, target);

    /// <inheritdoc/>
    public void AddDiff(Blob source, Blob target) => Solver.AddDiff(source, target);

    /// <inheritdoc/>
    public double SumOfSquaredDiffs(IReadOnlyList<Blob> blobs) => Solver.SumOfSquaredDiffs(blobs);

    /// <inheritdoc/>
    public void Update(Blob param, SolverStep update, Blob history, Blob? history2) => Solver.Update(param, update, history, history2);

    private SolverOperations Solver => _solver ??= new SolverOperations(this);

    /// <summary>The accelerator the families load their kernels on.</summary>
    internal Accelerator Accelerator => _accelerator;

    // The family that runs this very type of layer (a subclass, such as a plugin's, runs on the CPU: its passes may
    // differ), made with its kernels at its first use.
    private DeviceFamily? FamilyOf(Layer layer)
    {
        var type = layer.GetType();
        if (_byLayer.TryGetValue(type, out var family))
        {
            return family;
        }

        var entries = DeviceFamilies.All;
        for (var i = 0; i < entries.Count && family is null; i++)
        {
            if (entries[i].Layers.Contains(type))
            {
                family = _families[i] ??= entries[i].Make(this);
            }
        }

        _byLayer[type] = family;
        return family;
    }

    /// <summary>C = alpha op(A) op(B) + beta C on the device, over whole arrays (row-major).</summary>
    internal void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape shape)
    {
        if (shape.M == 0 || shape.N == 0)
        {
            return;
        }

        if (_cublas is not null)
        {
            _cublas.Gemm(a, b, c, shape);
            return;
        }

        if (!TiledProducts)
        {
            _gemmDirect(new Index2D(shape.N, shape.M), a, b, c, shape);
            return;
        }

        var groups = new Index2D((shape.N + Kernels.Tile - 1) / Kernels.Tile, (shape.M + Kernels.Tile - 1) / Kernels.Tile);
        _gemm(new KernelConfig(groups, new Index2D(Kernels.Tile, Kernels.Tile)), a, b, c, shape);
    }

    /// <summary>The device memory of an array this device allocated.</summary>
    internal static ArrayView<float> View(IDeviceArray array) => ((DeviceArray)array).View;

    /// <summary>A blob's values on the device, for reading (copied there first when the host wrote them last).</summary>
    internal ArrayView<float> Read(Blob blob) => View(blob.DataMemory.ForDevice(this, write: false));

    /// <summary>A blob's values on the device, for writing (the host copy is then behind).</summary>
    internal ArrayView<float> Write(Blob blob) => View(blob.DataMemory.ForDevice(this, write: true));

    /// <summary>A blob's gradient on the device, for reading.</summary>
    internal ArrayView<float> ReadDiff(Blob blob) => View(blob.DiffMemory.ForDevice(this, write: false));

    /// <summary>A blob's gradient on the device, for writing.</summary>
    internal ArrayView<float> WriteDiff(Blob blob) => View(blob.DiffMemory.ForDevice(this, write: true));

    /// <inheritdoc/>
    public void Dispose()
    {
        _solver?.Dispose();
        _cublas?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    private sealed class DeviceArray(GpuDevice device, MemoryBuffer1D<float, Stride1D.Dense> buffer) : IDeviceArray
    {
        public IDevice Device => device;

        public int Length => (int)buffer.Length;

        public ArrayView<float> View => buffer.View;

        public void CopyFromHost(ReadOnlySpan<float> source) => buffer.View.AsContiguous().SubView(0, source.Length).CopyFromCPU(source);

        public void CopyToHost(Span<float> destination) => buffer.View.AsContiguous().SubView(0, destination.Length).CopyToCPU(destination);

        public void Dispose() => buffer.Dispose();
    }
}
