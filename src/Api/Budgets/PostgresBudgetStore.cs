using System.Globalization;
using Gateway.Api.Usage;
using Gateway.Grains.Budgets;
using Gateway.Projections.Budgets;
using Marten;
using Npgsql;

namespace Gateway.Api.Budgets;

/// <summary>
/// Budget grains' durable side on PostgreSQL: spend summed from the usage events, reservation rows, alert events.
/// Reservation rows are written with asynchronous commit (no fsync wait): they must outlive the silo that
/// holds the budget grain, which they do; only a crash of PostgreSQL itself in the same instant could lose one.
/// </summary>
public sealed class PostgresBudgetStore(LedgerDatabase database, IDocumentStore events) : IBudgetStore, IAsyncDisposable
{
    private const int MaxHoldBatch = 500;
    private readonly System.Threading.Channels.Channel<PendingHold> _holds =
        System.Threading.Channels.Channel.CreateUnbounded<PendingHold>(new() { SingleReader = true });
    private Task? _writer;

    public async Task<BudgetSnapshot> LoadAsync(string scope, DateTimeOffset periodStart, IReadOnlyCollection<decimal> alertThresholds, DateTimeOffset now)
    {
        var (field, id) = Filter(scope);
        var alertIds = alertThresholds.Select(t => AlertStreamId(scope, periodStart, t)).ToArray();
        // One statement, one snapshot: a request is either still a reservation row or already in the spend.
        await using var command = database.Source.CreateCommand($"""
            SELECT 'spent', NULL, coalesce(sum((data ->> 'cost_usd')::numeric), 0), NULL::timestamptz, NULL::timestamptz
              FROM {LedgerSchema.Schema}.mt_events
             WHERE type = '{LedgerSchema.UsageEventType}' AND (data ->> '{field}') = $1 AND ((data ->> 'started_at_ms')::bigint) >= $2
            UNION ALL
            SELECT 'hold', request_id, amount_usd, period_start, expires_at
              FROM {LedgerSchema.Schema}.budget_holds WHERE scope = $3 AND expires_at > $4
            UNION ALL
            SELECT 'alert', id, NULL, NULL, NULL FROM {LedgerSchema.Schema}.mt_streams WHERE id = ANY($5)
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(periodStart.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(alertIds);
        decimal spent = 0;
        var holds = new List<StoredHold>();
        var raised = new HashSet<decimal>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            switch (reader.GetString(0))
            {
                case "spent":
                    spent = reader.GetDecimal(2);
                    break;
                case "hold":
                    holds.Add(new StoredHold(reader.GetString(1), reader.GetDecimal(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4)));
                    break;
                default:
                    var streamId = reader.GetString(1);
                    raised.UnionWith(alertThresholds.Where(t => AlertStreamId(scope, periodStart, t) == streamId));
                    break;
            }
        }
        return new BudgetSnapshot(spent, holds, raised);
    }

    public Task HoldAsync(string scope, string requestId, decimal amount, DateTimeOffset periodStart, DateTimeOffset expiresAt)
    {
        var hold = new PendingHold(scope, requestId, amount, periodStart, expiresAt);
        if (!_holds.Writer.TryWrite(hold))
        {
            throw new InvalidOperationException("The budget store is shut down.");
        }
        EnsureWriter();
        return hold.Written.Task;
    }

    /// <summary>
    /// Reservations from every budget grain of this process are written together: whatever is waiting when a
    /// write ends goes into the next one, so concurrent requests share a statement instead of each paying for one.
    /// </summary>
    private async Task WriteHoldsAsync()
    {
        var reader = _holds.Reader;
        var batch = new List<PendingHold>(MaxHoldBatch);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxHoldBatch && reader.TryRead(out var hold))
            {
                batch.Add(hold);
            }
            try
            {
                await using var command = database.AsyncCommit.CreateCommand(
                    $"INSERT INTO {LedgerSchema.Schema}.budget_holds (scope, request_id, amount_usd, period_start, expires_at) " +
                    "SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::timestamptz[], $5::timestamptz[]) " +
                    "ON CONFLICT (scope, request_id) DO UPDATE SET amount_usd = excluded.amount_usd, expires_at = excluded.expires_at");
                command.Parameters.AddWithValue(batch.Select(h => h.Scope).ToArray());
                command.Parameters.AddWithValue(batch.Select(h => h.RequestId).ToArray());
                command.Parameters.AddWithValue(batch.Select(h => h.Amount).ToArray());
                command.Parameters.AddWithValue(batch.Select(h => h.PeriodStart).ToArray());
                command.Parameters.AddWithValue(batch.Select(h => h.ExpiresAt).ToArray());
                await command.ExecuteNonQueryAsync();
                batch.ForEach(h => h.Written.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(h => h.Written.TrySetException(e));
            }
            batch.Clear();
        }
    }

    private void EnsureWriter()
    {
        if (_writer is null)
        {
            lock (_holds)
            {
                _writer ??= Task.Run(WriteHoldsAsync);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _holds.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }
    }

    private sealed record PendingHold(string Scope, string RequestId, decimal Amount, DateTimeOffset PeriodStart, DateTimeOffset ExpiresAt)
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task ReleaseAsync(string scope, string requestId)
    {
        await using var command = database.AsyncCommit.CreateCommand(
            $"DELETE FROM {LedgerSchema.Schema}.budget_holds WHERE scope = $1 AND request_id = $2");
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(requestId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task RenewAsync(string scope, IReadOnlyCollection<string> requestIds, DateTimeOffset expiresAt)
    {
        await using var command = database.AsyncCommit.CreateCommand(
            $"UPDATE {LedgerSchema.Schema}.budget_holds SET expires_at = $3 WHERE scope = $1 AND request_id = ANY($2)");
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(requestIds.ToArray());
        command.Parameters.AddWithValue(expiresAt);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<bool> RaiseAlertAsync(BudgetAlert alert)
    {
        await using var session = events.LightweightSession();
        session.Events.StartStream(AlertStreamId(alert.Scope, alert.PeriodStart, alert.Threshold),
            new BudgetAlertRaised(alert.Scope, alert.PeriodStart, alert.Threshold, alert.LimitUsd, alert.SpentUsd, alert.At));
        try
        {
            await session.SaveChangesAsync();
            return true;
        }
        catch (Exception e) when (e is JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException)
        {
            return false;
        }
    }

    /// <summary>One stream per scope, period and threshold: a second alert for the same crossing cannot be appended.</summary>
    private static string AlertStreamId(string scope, DateTimeOffset periodStart, decimal threshold) =>
        $"budget-alert:{scope}:{periodStart.UtcDateTime:yyyy-MM-dd}:{threshold.ToString("0.####", CultureInfo.InvariantCulture)}";

    private static (string Field, string Id) Filter(string scope) =>
        scope.StartsWith(BudgetScopes.KeyPrefix, StringComparison.Ordinal) ? ("key_id", scope[BudgetScopes.KeyPrefix.Length..])
        : scope.StartsWith(BudgetScopes.WorkspacePrefix, StringComparison.Ordinal) ? ("workspace", scope[BudgetScopes.WorkspacePrefix.Length..])
        : throw new ArgumentException($"Unknown budget scope '{scope}'.", nameof(scope));
}
