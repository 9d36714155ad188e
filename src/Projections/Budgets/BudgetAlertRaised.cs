namespace Gateway.Projections.Budgets;

/// <summary>
/// A scope's spend reached a configured fraction of its budget; raised once per threshold and period (its stream
/// id names scope, period and threshold, so a second one is refused by the store).
/// </summary>
public sealed record BudgetAlertRaised(
    string Scope,
    DateTimeOffset PeriodStart,
    decimal Threshold,
    decimal LimitUsd,
    decimal SpentUsd,
    DateTimeOffset At);
