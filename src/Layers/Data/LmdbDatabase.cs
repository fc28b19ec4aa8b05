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
    /// <exception cref="DllNotFoundException">No LMDB native library can be loaded.</exception>
    public static LmdbDatabase Open(string path)
    {
        var isFolder = Directory.Exists(path);
        var dataFile = isFolder ? Path.Combine(path, "data.mdb") : path;
        if (!File.Exists(dataFile))
        {
            throw new FileNotFoundException($"no LMDB data file '{dataFile}'", dataFile);
        }

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
