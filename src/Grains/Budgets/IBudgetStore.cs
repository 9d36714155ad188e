namespace Gateway.Grains.Budgets;

/// <summary>
/// Where budget grains find and keep what must outlive them: the ledger's spend per scope and period, and a
/// durable row per outstanding reservation (the ledger deletes it in the transaction that records the request).
/// </summary>
public interface IBudgetStore
{
    /// <summary>Spend since <paramref name="periodStart"/>, the scope's unexpired reservations and the alerts already
    /// raised in the period, all from one snapshot.</summary>
    Task<BudgetSnapshot> LoadAsync(string scope, DateTimeOffset periodStart, IReadOnlyCollection<decimal> alertThresholds, DateTimeOffset now);

    /// <summary>Makes a reservation durable; returns once it is committed.</summary>
    Task HoldAsync(string scope, string requestId, decimal amount, DateTimeOffset periodStart, DateTimeOffset expiresAt);

    Task ReleaseAsync(string scope, string requestId);

    Task RenewAsync(string scope, IReadOnlyCollection<string> requestIds, DateTimeOffset expiresAt);

    /// <summary>Records that spend crossed a threshold; false when it was already recorded for that period.</summary>
    Task<bool> RaiseAlertAsync(BudgetAlert alert);
}

[GenerateSerializer, Immutable]
public sealed record BudgetSnapshot(
    [property: Id(0)] decimal Spent,
    [property: Id(1)] IReadOnlyList<StoredHold> Holds,
    [property: Id(2)] IReadOnlySet<decimal> AlertsRaised);

[GenerateSerializer, Immutable]
public sealed record StoredHold(
    [property: Id(0)] string RequestId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] DateTimeOffset PeriodStart,
    [property: Id(3)] DateTimeOffset ExpiresAt);

/// <summary>Spend in <see cref="Scope"/> reached <see cref="Threshold"/> of the limit in the period.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetAlert(
    [property: Id(0)] string Scope,
    [property: Id(1)] DateTimeOffset PeriodStart,
    [property: Id(2)] decimal Threshold,
    [property: Id(3)] decimal LimitUsd,
    [property: Id(4)] decimal SpentUsd,
    [property: Id(5)] DateTimeOffset At);
