using LightningDB;

namespace LayerNet.Layers.Data;

/// <summary>
/// Walks an <see cref="LmdbDatabase"/>'s records in key order, cycling back to the first after the last, inside
/// one read-only transaction. The spans it returns point into the database's memory map and stay valid until the
/// cursor moves or is disposed.
/// </summary>
internal sealed class LmdbRecordCursor : IDisposable
{
    private readonly LightningTransaction _transaction;
    private readonly LightningDatabase _database;
    private readonly LightningCursor _cursor;

    /// <exception cref="InvalidDataException">LMDB reports the database damaged.</exception>
    internal LmdbRecordCursor(LightningEnvironment environment)
    {
        // Finalizers suppressed as in LmdbDatabase: LightningDB's throw, ending the process, when not disposed.
        _transaction = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        #pragma warning disable CA1816 // A LightningDB object, whose finalizer would throw: see LmdbDatabase.
        GC.SuppressFinalize(_transaction);
        #pragma warning restore CA1816
        try
        {
            _database = _transaction.OpenDatabase();
            #pragma warning disable CA1816 // A LightningDB object, whose finalizer would throw: see LmdbDatabase.
            GC.SuppressFinalize(_database);
            #pragma warning restore CA1816
            _cursor = _transaction.CreateCursor(_database);
            #pragma warning disable CA1816 // A LightningDB object, whose finalizer would throw: see LmdbDatabase.
            GC.SuppressFinalize(_cursor);
            #pragma warning restore CA1816
        }
        catch
        {
            _transaction.Dispose();
            throw;
        }

        var (code, _, _) = _cursor.First();
        if (code is not (MDBResultCode.Success or MDBResultCode.NotFound))
        {
            // A damaged tree (a page number beyond the last page, a page that is not LMDB's) is not an empty database.
            Dispose();
            throw new InvalidDataException($"LMDB cannot read its first record ({code}): the data file is damaged");
        }

        IsEmpty = code != MDBResultCode.Success;
    }

    /// <summary>True when the database holds no record.</summary>
    public bool IsEmpty { get; }

    /// <summary>The key of the current record.</summary>
    public ReadOnlySpan<byte> Key
    {
        get
        {
            var (_, key, _) = _cursor.GetCurrent();
            return key.AsSpan();
        }
    }

    /// <summary>The value of the current record.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            var (_, _, value) = _cursor.GetCurrent();
            return value.AsSpan();
        }
    }

    /// <summary>Moves to the next record, or back to the first after the last (Caffe's "Restarting data prefetching from start").</summary>
    public void Next()
    {
        var (code, _, _) = _cursor.Next();
        if (code != MDBResultCode.Success)
        {
            _cursor.First();
        }
    }

    /// <summary>Moves to the next record; false after the last (for one pass over the records).</summary>
    public bool MoveNext()
    {
        var (code, _, _) = _cursor.Next();
        return code == MDBResultCode.Success;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _cursor.Dispose();
        _database.Dispose();
        _transaction.Dispose();
    }
}
