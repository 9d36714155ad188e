using System.Collections.Immutable;

namespace Gateway.Grains.Budgets;

/// <summary>
/// The single writer of one scope's spend (a key's or a workspace's): it holds a reservation for each admitted
/// request before the provider is called and settles it to the actual cost afterwards, so a budget is never
/// exceeded however many requests run at once on however many silos. It starts from what the usage ledger says
/// was spent in the period, plus what its predecessor may still have outstanding, and enforces the scope's rate limits.
/// </summary>
public interface IBudgetGrain : IGrainWithStringKey
{
    /// <summary>Admits the request if the budget can hold its reservation and the rate limits allow it.</summary>
    Task<BudgetVerdict> ReserveAsync(BudgetHold hold);

    /// <summary>
    /// Replaces the request's reservation by what it cost (its usage event is already in the ledger). One-way: the
    /// answer has been released already and nothing waits on this; a settlement lost with a silo is recovered from
    /// the ledger when the budget activates again.
    /// </summary>
    [OneWay]
    Task SettleAsync(string requestId, decimal cost, long tokens);

    /// <summary>Drops a reservation whose request never ran (another scope refused it).</summary>
    [OneWay]
    Task ReleaseAsync(string requestId);

    /// <summary>Extends the lease of requests that are still running.</summary>
    Task RenewAsync(ImmutableArray<string> requestIds, TimeSpan lease);

    /// <summary>The current period's limit, spend, reservations and reset time under the given policy.</summary>
    Task<BudgetStatus> GetStatusAsync(ScopePolicy policy);

    /// <summary>The scope's spend since <paramref name="since"/>, straight from the ledger, whether or not a budget limits it.</summary>
    Task<decimal> GetSpentSinceAsync(DateTimeOffset since);
}

/// <summary>A request asking to be admitted: the most it can cost and the most tokens it can use.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetHold(
    [property: Id(0)] string RequestId,
    [property: Id(1)] ScopePolicy Policy,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] long Tokens,
    [property: Id(4)] DateTimeOffset AdmittedAt,
    [property: Id(5)] TimeSpan Lease);

/// <summary>Admitted, or why not (with a message naming the scope and limit, and when to try again if that is known).</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetVerdict(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] BudgetRefusal? Refusal,
    [property: Id(2)] string? Message,
    [property: Id(3)] int? RetryAfterSeconds)
{
    public static BudgetVerdict Admit { get; } = new(true, null, null, null);

    public static BudgetVerdict Deny(BudgetRefusal refusal, string message, int? retryAfterSeconds = null) =>
        new(false, refusal, message, retryAfterSeconds);
}

/// <summary>Why a budget scope does not admit a request.</summary>
public enum BudgetRefusal
{
    /// <summary>The request's upper bound does not fit in what is left of the period's budget.</summary>
    BudgetExhausted,

    /// <summary>The model has no price, so a budgeted scope cannot bound what it would cost.</summary>
    Unpriced,

    /// <summary>Requests, tokens per minute or requests in flight are at the scope's limit.</summary>
    RateLimited,

    /// <summary>The reservation could not be made durable; try again shortly.</summary>
    StoreUnavailable,
}

/// <summary>A scope's budget in its current period.</summary>
[GenerateSerializer, Immutable]
public sealed record BudgetStatus(
    [property: Id(0)] decimal SpentUsd,
    [property: Id(1)] decimal ReservedUsd,
    [property: Id(2)] DateTimeOffset PeriodStart,
    [property: Id(3)] DateTimeOffset? ResetsAt,
    [property: Id(4)] int InFlight);
