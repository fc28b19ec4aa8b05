using System.Runtime.InteropServices;
using LayerNet.Errors;
using LayerNet.Solvers;

namespace LayerNet.Runner;

/// <summary>
/// The workers of <c>mpirun -np N layernet train</c> (or <c>srun</c>): Open MPI's library reached through a few
/// function pointers (init, rank and size, allreduce, broadcast, abort, finalize), no binding package. Loaded only
/// when the process was started by an MPI launcher for more than one worker; otherwise nothing of MPI is touched.
/// </summary>
/// <remarks>
/// Why not MPI.NET: it wraps MPI for .NET Framework-era P/Invoke with its own native shim to build, and the solver
/// needs six calls. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_BYTE) are the addresses of exported
/// objects, read with <see cref="NativeLibrary.GetExport"/>; MPI_IN_PLACE is the address 1. The sum is one
/// MPI_Allreduce over one buffer an iteration, in place.
/// </remarks>
internal sealed unsafe class MpiWorkers : IWorkerGroup, IDisposable
{
    private const int Success = 0;
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    private readonly nint _library;
    private readonly nint _world;
    private readonly nint _float;
    private readonly nint _byte;
    private readonly nint _sum;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private bool _finalized;

    private MpiWorkers(nint library)
    {
        _library = library;
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        var init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        var rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        Check(init(null, null), "MPI_Init");
        int r, s;
        Check(rank(_world, &r), "MPI_Comm_rank");
        Check(size(_world, &s), "MPI_Comm_size");
        Rank = r;
        Size = s;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>
    /// The workers, when an MPI launcher started this process as one of several (Open MPI's
    /// <c>OMPI_COMM_WORLD_SIZE</c>, or <c>PMI_SIZE</c> / <c>PMIX_SIZE</c> from Slurm's srun); null otherwise.
    /// </summary>
    /// <exception cref="LayerNetException">Launched for several workers, but Open MPI's library cannot be loaded.</exception>
    public static MpiWorkers? FromEnvironment()
    {
        var size = LaunchedSize();
        if (size <= 1)
        {
            return null;
        }

        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var library))
            {
                if (!NativeLibrary.TryGetExport(library, "ompi_mpi_comm_world", out _))
                {
                    throw new LayerNetException($"started by an MPI launcher for {size} workers, but '{name}' is not Open MPI's library (LayerNet trains over Open MPI: apt-get install openmpi-bin)");
                }

                return new MpiWorkers(library);
            }
        }

        throw new LayerNetException($"started by an MPI launcher for {size} workers, but Open MPI's library ({string.Join(" or ", LibraryNames)}) cannot be loaded: apt-get install openmpi-bin (Debian, Ubuntu)");
    }

    /// <summary>The worker count an MPI launcher gave this process, or 0 when none did.</summary>
    public static int LaunchedSize()
    {
        foreach (var variable in new[] { "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE" })
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(variable), out var size) && size > 0)
            {
                return size;
            }
        }

        return 0;
    }

    /// <inheritdoc/>
    public void Sum(Span<float> values)
    {
        fixed (float* buffer = values)
        {
            Check(_allreduce((void*)1, buffer, values.Length, _float, _sum, _world), "MPI_Allreduce");
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values)
    {
        fixed (float* buffer = values)
        {
            Check(_bcast(buffer, values.Length, _float, 0, _world), "MPI_Bcast");
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> values)
    {
        fixed (byte* buffer = values)
        {
            Check(_bcast(buffer, values.Length, _byte, 0, _world), "MPI_Bcast");
        }
    }

    /// <summary>Ends every worker of the run with <paramref name="code"/> (MPI_Abort): a worker that failed must not leave the others waiting in a sum.</summary>
    public void Abort(int code)
    {
        _abort(_world, code);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_finalized)
        {
            _finalized = true;
            _finalize();
        }
    }

    private nint Export(string name) =>
        NativeLibrary.TryGetExport(_library, name, out var address)
            ? address
            : throw new LayerNetException($"Open MPI's library has no '{name}'; a newer or older MPI than LayerNet knows (Open MPI 4 or later)");

    private static void Check(int code, string call)
    {
        if (code != Success)
        {
            throw new LayerNetException($"{call} failed with MPI error {code}");
        }
    }
}
