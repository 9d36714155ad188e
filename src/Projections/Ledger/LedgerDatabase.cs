using Npgsql;

namespace Gateway.Projections.Ledger;

/// <summary>
/// The ledger's and budgets' connections: one pool whose commits wait for fsync (usage events), one whose commits
/// do not (budget allowances, which must outlive a silo, not a crash of PostgreSQL itself).
/// </summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    public LedgerDatabase(string connectionString)
    {
        // Small pools: the ledger has few writers and allowances are rare, short statements; the database's connections are
        // shared with Orleans and Marten.
        // The same few statements run for every request: prepared once per connection, they skip planning. Only this
        // code uses these pools and it leaves no session state behind, so a connection back in the pool is not reset
        // (the reset would ride along with the next commit on the request's path).
        // A database that stops answering must not hold a commit for long: the command gives up (Npgsql's own timeout
        // also breaks a connection the server no longer answers on), and the ledger retries or reports it unavailable.
        Source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            CommandTimeout = 4,
            Timeout = 4,
            CancellationTimeout = 1000,
            MaxPoolSize = 8,
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        }.ConnectionString);
        var asyncCommit = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = 24,
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
            Options = "-c synchronous_commit=off",
        };
        AsyncCommit = NpgsqlDataSource.Create(asyncCommit.ConnectionString);
    }

    public NpgsqlDataSource Source { get; }

    public NpgsqlDataSource AsyncCommit { get; }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        await AsyncCommit.DisposeAsync();
    }
}
