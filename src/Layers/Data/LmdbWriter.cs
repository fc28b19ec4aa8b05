using LightningDB;

namespace LayerNet.Layers.Data;

/// <summary>
/// Writes a new LMDB database folder through LightningDB, as Caffe's <c>db::LMDB</c> in NEW mode: records put are
/// kept until <see cref="Commit"/> writes them in one transaction. The map starts small and doubles whenever a
/// commit finds it full, the transaction written again, as Caffe's <c>LMDBTransaction::Commit</c> does: no terabyte
/// of address space reserved up front, which a process under <c>ulimit -v</c> cannot map.
/// </summary>
internal sealed class LmdbWriter : IDisposable
{
    private const long InitialMapSize = 64L << 20;
    private const long LargestMapSize = 1L << 40;

    private readonly string _folder;
    private readonly List<(byte[] Key, byte[] Value)> _pending = [];
    private LightningEnvironment _environment;
    private long _mapSize;

    private LmdbWriter(string folder, LightningEnvironment environment, long mapSize)
    {
        (_folder, _environment, _mapSize) = (folder, environment, mapSize);
    }

    /// <summary>Creates the database in <paramref name="folder"/> (which must exist and be empty).</summary>
    /// <exception cref="LightningException">LMDB cannot create it.</exception>
    public static LmdbWriter Create(string folder)
    {
        // Let LmdbDatabase choose the native library (Debian's liblmdb0 first) before an environment is made.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(LmdbDatabase).TypeHandle);
        return new LmdbWriter(folder, Open(folder, InitialMapSize), InitialMapSize);
    }

    /// <summary>Keeps one record for the next commit.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _pending.Add((key.ToArray(), value.ToArray()));

    /// <summary>Writes the records put since the last commit in one transaction, growing the map as they need.</summary>
    /// <exception cref="LightningException">LMDB cannot write them (the disk is full, ...).</exception>
    public void Commit()
    {
        var result = TryCommit();
        while (result == MDBResultCode.MapFull && _mapSize < LargestMapSize)
        {
            _environment.Dispose();
            _mapSize *= 2;
            _environment = Open(_folder, _mapSize);
            result = TryCommit();
        }

        result.ThrowOnError();
        _pending.Clear();
    }

    /// <summary>Drops what was not committed and closes the database.</summary>
    public void Dispose() => _environment.Dispose();

    private MDBResultCode TryCommit()
    {
        using var transaction = _environment.BeginTransaction();
        using var database = transaction.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        foreach (var (key, value) in _pending)
        {
            var put = transaction.Put(database, key, value);
            if (put != MDBResultCode.Success)
            {
                // Disposing the transaction aborts it.
                return put;
            }
        }

        return transaction.Commit();
    }

    private static LightningEnvironment Open(string folder, long mapSize)
    {
        var environment = new LightningEnvironment(folder, new EnvironmentConfiguration { MapSize = mapSize });
        try
        {
            environment.Open();
            return environment;
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }
}
