namespace Gateway.Grains.Budgets;

/// <summary>
/// Where budget grains find and keep what must outlive them: the ledger's spend per scope and period, and each
/// scope's allowance — a durable upper bound of what its live reservations add up to.
/// </summary>
public interface IBudgetStore
{
    /// <summary>Spend since <paramref name="periodStart"/>, the scope's allowance in that period (when still valid) and
    /// the alerts already raised in the period.</summary>
    Task<BudgetSnapshot> LoadAsync(string scope, DateTimeOffset periodStart, IReadOnlyCollection<decimal> alertThresholds, DateTimeOffset now);

    /// <summary>Records that reservations in the scope add up to at most <paramref name="amount"/> until
    /// <paramref name="expiresAt"/>; returns once it is committed.</summary>
    Task SetAllowanceAsync(string scope, DateTimeOffset periodStart, decimal amount, DateTimeOffset expiresAt);

    /// <summary>Records that spend crossed a threshold; false when it was already recorded for that period.</summary>
    Task<bool> RaiseAlertAsync(BudgetAlert alert);
}

[GenerateSerializer, Immutable]
public sealed record BudgetSnapshot(
    [property: Id(0)] decimal Spent,
    [property: Id(1)] decimal Allowance,
    [property: Id(2)] DateTimeOffset AllowanceExpiresAt,
    [property: Id(3)] IReadOnlySet<decimal> AlertsRaised);

/// <summary>Spend in <see cref="Scope"/> reached <see cref="Threshold"/> of the limit in the period.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetAlert(
    [property: Id(0)] string Scope,
    [property: Id(1)] DateTimeOffset PeriodStart,
    [property: Id(2)] decimal Threshold,
    [property: Id(3)] decimal LimitUsd,
    [property: Id(4)] decimal SpentUsd,
    [property: Id(5)] DateTimeOffset At);
