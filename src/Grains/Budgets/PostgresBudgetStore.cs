using System.Globalization;
using Gateway.Projections.Budgets;
using Gateway.Projections.Ledger;
using Marten;

namespace Gateway.Grains.Budgets;

/// <summary>
/// Budget grains' durable side on PostgreSQL: spend summed from the usage events, one allowance row per scope,
/// alert events. Allowances are written with asynchronous commit (no fsync wait): they must outlive the silo that
/// holds the budget grain, which they do; only a crash of PostgreSQL itself in the same instant could lose one.
/// </summary>
public sealed class PostgresBudgetStore(LedgerDatabase database, IDocumentStore events) : IBudgetStore
{
    public async Task<BudgetSnapshot> LoadAsync(string scope, DateTimeOffset periodStart, IReadOnlyCollection<decimal> alertThresholds, DateTimeOffset now)
    {
        var (field, id) = Filter(scope);
        var alertIds = alertThresholds.Select(t => AlertStreamId(scope, periodStart, t)).ToArray();
        await using var command = database.Source.CreateCommand(
            $"SELECT 'spent', NULL, coalesce(sum((data ->> 'cost_usd')::numeric), 0), NULL::timestamptz FROM {LedgerSchema.Schema}.mt_events " +
            $"WHERE type = '{LedgerSchema.UsageEventType}' AND (data ->> '{field}') = $1 AND ((data ->> 'started_at_ms')::bigint) >= $2 " +
            $"UNION ALL SELECT 'allowance', NULL, amount_usd, expires_at FROM {LedgerSchema.Schema}.budget_allowances " +
            "WHERE scope = $3 AND period_start = $4 AND expires_at > $5 " +
            $"UNION ALL SELECT 'alert', id, NULL, NULL FROM {LedgerSchema.Schema}.mt_streams WHERE id = ANY($6)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(periodStart.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(periodStart);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(alertIds);
        decimal spent = 0, allowance = 0;
        var allowanceExpiresAt = DateTimeOffset.MinValue;
        var raised = new HashSet<decimal>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            switch (reader.GetString(0))
            {
                case "spent":
                    spent = reader.GetDecimal(2);
                    break;
                case "allowance":
                    allowance = reader.GetDecimal(2);
                    allowanceExpiresAt = reader.GetFieldValue<DateTimeOffset>(3);
                    break;
                default:
                    var streamId = reader.GetString(1);
                    raised.UnionWith(alertThresholds.Where(t => AlertStreamId(scope, periodStart, t) == streamId));
                    break;
            }
        }
        return new BudgetSnapshot(spent, allowance, allowanceExpiresAt, raised);
    }

    public async Task SetAllowanceAsync(string scope, DateTimeOffset periodStart, decimal amount, DateTimeOffset expiresAt)
    {
        await using var command = database.AsyncCommit.CreateCommand(
            $"INSERT INTO {LedgerSchema.Schema}.budget_allowances (scope, period_start, amount_usd, expires_at) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (scope) DO UPDATE SET period_start = excluded.period_start, amount_usd = excluded.amount_usd, expires_at = excluded.expires_at");
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(periodStart);
        command.Parameters.AddWithValue(amount);
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
        : scope.StartsWith(BudgetScopes.UserPrefix, StringComparison.Ordinal) ? ("user_id", scope[BudgetScopes.UserPrefix.Length..])
        : throw new ArgumentException($"Unknown budget scope '{scope}'.", nameof(scope));
}
