using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace LayerNet.Layers.Data;

/// <summary>
/// An LMDB database (a folder holding data.mdb, or the data file itself) opened for reading only, through the
/// LightningDB binding: no write access to the folder is needed and no lock file is made (read-only, no locking,
/// the map as large as the file). Records are read through <see cref="LmdbRecordCursor"/>s, one per thread.
/// </summary>
/// <remarks>
/// <para>
/// The native library is Debian's liblmdb0 (<c>liblmdb.so.0</c>, LMDB 0.9, the version Caffe writes its
/// databases with) when installed; otherwise the one LightningDB ships (LMDB 1.0, built against glibc 2.38).
/// </para>
/// <para>
/// LightningDB's finalizers throw when an object was not disposed, which ends the process (a net is not
/// disposable, so its data layers may never be). Their finalizers are suppressed here: an undisposed database
/// stays mapped until the process ends, and its owner disposes it when it can.
/// </para>
/// </remarks>
internal sealed class LmdbDatabase : IDisposable
{
    // LMDB 0.9's meta page (64-bit build): a 16-byte page header, then MDB_meta. Offsets are from the page's start.
    private const int MagicOffset = 16;
    private const int VersionOffset = 20;
    private const int PageSizeOffset = 40;
    private const int LastPageOffset = 136;
    private const int TransactionOffset = 144;
    private const int MetaLength = 152;
    private const uint Magic = 0xBEEFC0DE;
    private const uint DataVersion = 1;

    private readonly LightningEnvironment _environment;

    static LmdbDatabase()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, ResolveNativeLibrary);
        }
        catch (InvalidOperationException)
        {
            // Someone (a plugin, the host) already resolves LightningDB's native library; theirs stands.
        }
    }

    private LmdbDatabase(LightningEnvironment environment) => _environment = environment;

    /// <summary>Opens the database at <paramref name="path"/> (a folder or a data file) read-only, without locking.</summary>
    /// <exception cref="LightningException">LMDB cannot open it.</exception>
    /// <exception cref="InvalidDataException">The data file is not LMDB's, or is shorter than its meta page declares.</exception>
    /// <exception cref="DllNotFoundException">No LMDB native library can be loaded.</exception>
    public static LmdbDatabase Open(string path)
    {
        var isFolder = Directory.Exists(path);
        var dataFile = isFolder ? Path.Combine(path, "data.mdb") : path;
        if (!File.Exists(dataFile))
        {
            throw new FileNotFoundException($"no LMDB data file '{dataFile}'", dataFile);
        }

        CheckDataFile(dataFile);

        var configuration = new EnvironmentConfiguration { MapSize = Math.Max(new FileInfo(dataFile).Length, 1L << 20), MaxReaders = 8 };
        var environment = new LightningEnvironment(path, configuration);
        #pragma warning disable CA1816 // A LightningDB object, whose finalizer would throw: see LmdbDatabase.
        GC.SuppressFinalize(environment);
        #pragma warning restore CA1816
        try
        {
            var flags = EnvironmentOpenFlags.ReadOnly | EnvironmentOpenFlags.NoLock | EnvironmentOpenFlags.NoThreadLocalStorage;
            environment.Open(isFolder ? flags : flags | EnvironmentOpenFlags.NoSubDir);
            return new LmdbDatabase(environment);
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }

    /// <summary>Starts reading: a read-only transaction and a cursor, to be used on one thread at a time.</summary>
    public LmdbRecordCursor OpenCursor() => new(_environment);

    /// <inheritdoc/>
    public void Dispose() => _environment.Dispose();

    /// <summary>
    /// Checks the data file against what its meta pages declare before LMDB maps it. LMDB trusts the file: a page it
    /// reads past the end of a truncated file is a SIGBUS, which ends the process without a word. LMDB itself refuses
    /// a page number beyond the meta page's last used page, so a file that holds every page up to that one is safe.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is too short, not LMDB 0.9's, or shorter than its pages.</exception>
    internal static void CheckDataFile(string dataFile)
    {
        using var stream = new FileStream(dataFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        var length = stream.Length;
        if (length < MetaLength)
        {
            throw new InvalidDataException($"data file '{dataFile}' is {length} bytes, too short for an LMDB meta page ({MetaLength} bytes): empty or truncated");
        }

        Span<byte> meta = stackalloc byte[MetaLength];
        stream.ReadExactly(meta);
        if (BinaryPrimitives.ReadUInt32LittleEndian(meta[MagicOffset..]) != Magic)
        {
            throw new InvalidDataException($"data file '{dataFile}' is not an LMDB database (no LMDB magic number 0x{Magic:X8} in its first page)");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(meta[VersionOffset..]) != DataVersion)
        {
            // Another LMDB format: the library reports the mismatch itself.
            return;
        }

        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(meta[PageSizeOffset..]);
        if (pageSize < MetaLength || pageSize > 65_536 || (pageSize & (pageSize - 1)) != 0)
        {
            throw new InvalidDataException($"data file '{dataFile}' is damaged: its meta page declares a page size of {pageSize} bytes");
        }

        if (length < 2L * pageSize)
        {
            throw new InvalidDataException($"data file '{dataFile}' is truncated: it is {length} bytes, less than its two meta pages ({2L * pageSize} bytes)");
        }

        var lastPage = BinaryPrimitives.ReadUInt64LittleEndian(meta[LastPageOffset..]);
        var transaction = BinaryPrimitives.ReadUInt64LittleEndian(meta[TransactionOffset..]);
        stream.Position = pageSize;
        stream.ReadExactly(meta);
        if (BinaryPrimitives.ReadUInt32LittleEndian(meta[MagicOffset..]) == Magic &&
            BinaryPrimitives.ReadUInt64LittleEndian(meta[TransactionOffset..]) > transaction)
        {
            // LMDB reads the meta page of the later transaction.
            lastPage = BinaryPrimitives.ReadUInt64LittleEndian(meta[LastPageOffset..]);
        }

        var pages = lastPage < (ulong)(long.MaxValue / pageSize) ? (long)lastPage + 1 : long.MaxValue / pageSize;
        var needed = pages * pageSize;
        if (length < needed)
        {
            throw new InvalidDataException(
                $"data file '{dataFile}' is truncated: its meta page declares {pages} pages of {pageSize} bytes ({needed} bytes), the file has {length} bytes");
        }
    }

    private static IntPtr ResolveNativeLibrary(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "lmdb")
        {
            return IntPtr.Zero;
        }

        // Debian's liblmdb0 has no unversioned liblmdb.so (that is in liblmdb-dev), so it is named here. Next comes
        // the copy of Debian's build that ships beside this assembly (native/README.md); failing both, IntPtr.Zero
        // lets the runtime probe as usual and find the library LightningDB ships.
        if (NativeLibrary.TryLoad("liblmdb.so.0", out var handle))
        {
            return handle;
        }

        var bundled = Path.Combine(Path.GetDirectoryName(typeof(LmdbDatabase).Assembly.Location) ?? AppContext.BaseDirectory, "liblmdb.so.0");
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && File.Exists(bundled) &&
            NativeLibrary.TryLoad(bundled, out handle))
        {
            return handle;
        }

        return IntPtr.Zero;
    }
}
