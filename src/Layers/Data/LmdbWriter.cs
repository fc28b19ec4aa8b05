using LightningDB;

namespace LayerNet.Layers.Data;

/// <summary>
/// Writes a new LMDB database folder through LightningDB, as Caffe's <c>db::LMDB</c> in NEW mode: records put in
/// a write transaction that <see cref="Commit"/> ends (and starts the next), a map of 1 TiB as Caffe reserved (the
/// file grows only with its data).
/// </summary>
internal sealed class LmdbWriter : IDisposable
{
    private const long MapSize = 1L << 40;

    private readonly LightningEnvironment _environment;
    private LightningTransaction _transaction;
    private LightningDatabase _database;

    private LmdbWriter(LightningEnvironment environment)
    {
        _environment = environment;
        (_transaction, _database) = Begin(environment);
    }

    /// <summary>Creates the database in <paramref name="folder"/> (which must exist and be empty).</summary>
    /// <exception cref="LightningException">LMDB cannot create it.</exception>
    public static LmdbWriter Create(string folder)
    {
        // Let LmdbDatabase choose the native library (Debian's liblmdb0 first) before an environment is made.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(LmdbDatabase).TypeHandle);
        var environment = new LightningEnvironment(folder, new EnvironmentConfiguration { MapSize = MapSize });
        try
        {
            environment.Open();
            return new LmdbWriter(environment);
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }

    /// <summary>Puts one record in the current transaction.</summary>
    /// <exception cref="LightningException">LMDB refuses it (the disk is full, ...).</exception>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _transaction.Put(_database, key, value).ThrowOnError();

    /// <summary>Commits the records put so far and starts a new transaction.</summary>
    /// <exception cref="LightningException">LMDB cannot commit.</exception>
    public void Commit()
    {
        _transaction.Commit().ThrowOnError();
        _database.Dispose();
        _transaction.Dispose();
        (_transaction, _database) = Begin(_environment);
    }

    /// <summary>Abandons the current transaction (what was not committed is lost) and closes the database.</summary>
    public void Dispose()
    {
        _database.Dispose();
        _transaction.Dispose();
        _environment.Dispose();
    }

    private static (LightningTransaction Transaction, LightningDatabase Database) Begin(LightningEnvironment environment)
    {
        var transaction = environment.BeginTransaction();
        try
        {
            return (transaction, transaction.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create }));
        }
        catch
        {
            transaction.Dispose();
            throw;
        }
    }
}
