using System.Collections.Immutable;

namespace Gateway.Grains.Budgets;

/// <summary>How often a budget starts again; boundaries are UTC midnight, Monday, the 1st.</summary>
public enum BudgetPeriod
{
    Daily,
    Weekly,
    Monthly,
    Total,
}

/// <summary>A spending limit in USD for one period, with the fractions at which an alert is raised.</summary>
[GenerateSerializer, Immutable]
public sealed record Budget(
    [property: Id(0)] decimal LimitUsd,
    [property: Id(1)] BudgetPeriod Period,
    [property: Id(2)] ImmutableArray<decimal> AlertAt);

/// <summary>Requests per minute, tokens per minute and requests in flight; null means unlimited.</summary>
[GenerateSerializer, Immutable]
public sealed record RateLimits(
    [property: Id(0)] int? Rpm,
    [property: Id(1)] long? Tpm,
    [property: Id(2)] int? Concurrency)
{
    public bool IsEmpty => Rpm is null && Tpm is null && Concurrency is null;
}

/// <summary>What one scope (a key or a workspace) enforces.</summary>
[GenerateSerializer, Immutable]
public sealed record ScopePolicy(
    [property: Id(0)] Budget? Budget,
    [property: Id(1)] RateLimits? RateLimits)
{
    public static ScopePolicy None { get; } = new(null, null);

    public bool IsEmpty => Budget is null && (RateLimits is null || RateLimits.IsEmpty);
}

/// <summary>A scope's policy with the budget grain that enforces it.</summary>
[GenerateSerializer, Immutable]
public sealed record ScopedPolicy(
    [property: Id(0)] string Scope,
    [property: Id(1)] ScopePolicy Policy);

/// <summary>Budget scopes are named <c>key:{id}</c>, <c>workspace:{id}</c> and <c>user:{id}</c>, as the ledger is filtered.</summary>
public static class BudgetScopes
{
    public const string KeyPrefix = "key:";
    public const string WorkspacePrefix = "workspace:";
    public const string UserPrefix = "user:";

    /// <summary>A signed-in user's scope.</summary>
    public static string User(string userId) => UserPrefix + userId;

    public static string Key(string keyId) => KeyPrefix + keyId;

    public static string Workspace(string workspace) => WorkspacePrefix + workspace;

    /// <summary>How an error message names the scope: <c>key 'key_…'</c>.</summary>
    public static string Describe(string scope) =>
        scope.StartsWith(KeyPrefix, StringComparison.Ordinal) ? $"key '{scope[KeyPrefix.Length..]}'"
        : scope.StartsWith(WorkspacePrefix, StringComparison.Ordinal) ? $"workspace '{scope[WorkspacePrefix.Length..]}'"
        : scope.StartsWith(UserPrefix, StringComparison.Ordinal) ? $"user '{scope[UserPrefix.Length..]}'"
        : scope;
}

/// <summary>UTC period boundaries.</summary>
public static class BudgetPeriods
{
    public static DateTimeOffset StartOf(BudgetPeriod period, DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        var day = new DateTimeOffset(utc.Date, TimeSpan.Zero);
        return period switch
        {
            BudgetPeriod.Daily => day,
            BudgetPeriod.Weekly => day.AddDays(-(((int)utc.DayOfWeek + 6) % 7)),
            BudgetPeriod.Monthly => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>When the period containing <paramref name="instant"/> ends; null for a total budget.</summary>
    public static DateTimeOffset? ResetsAt(BudgetPeriod period, DateTimeOffset instant)
    {
        var start = StartOf(period, instant);
        return period switch
        {
            BudgetPeriod.Daily => start.AddDays(1),
            BudgetPeriod.Weekly => start.AddDays(7),
            BudgetPeriod.Monthly => start.AddMonths(1),
            _ => null,
        };
    }
}
