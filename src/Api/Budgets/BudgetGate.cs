using System.Collections.Concurrent;
using System.Collections.Immutable;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Budgets;

/// <summary>
/// The front's side of budgets and rate limits: asks every scope of a request (its key, its workspace) to hold
/// the request's cost bound, all at once; releases the holds if any scope refuses; settles them to the actual cost
/// once the usage event is committed; renews the leases of requests that run long.
/// </summary>
public sealed partial class BudgetGate(IGrainFactory grains, IOptions<BudgetOptions> options, TimeProvider clock, ILogger<BudgetGate> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<PendingSettle> _retries = new();

    public TimeSpan Lease => options.Value.Lease;

    /// <summary><see cref="BudgetOptions.ServerToolResultTokens"/>, when set to a positive number.</summary>
    public long? ServerToolResultTokens => options.Value.ServerToolResultTokens is > 0 and var tokens ? tokens : null;

    /// <summary>The scopes' rate limits without their budgets, for requests that are not billed (count_tokens, model lists).</summary>
    public static ImmutableArray<ScopedPolicy> RateLimitsOnly(ImmutableArray<ScopedPolicy> scopes) =>
        [.. scopes.Where(s => s.Policy.RateLimits is { IsEmpty: false }).Select(s => s with { Policy = s.Policy with { Budget = null } })];

    /// <summary>Null when every scope admitted the request (its holds are then registered until settled).</summary>
    /// <exception cref="BudgetsUnavailableException">A scope could not answer (its grain cannot load, the cluster is
    /// unreachable); the holds other scopes granted are released.</exception>
    public async Task<BudgetVerdict?> ReserveAsync(string requestId, ImmutableArray<ScopedPolicy> scopes, decimal amount, long tokens, DateTimeOffset admittedAt)
    {
        var asked = scopes.Select(s =>
            grains.Budget(s.Scope).ReserveAsync(new BudgetHold(requestId, s.Policy, amount, tokens, admittedAt, Lease))).ToArray();
        try
        {
            await Task.WhenAll(asked);
        }
        catch (Exception) when (asked.Any(t => t.IsFaulted || t.IsCanceled))
        {
            for (var i = 0; i < scopes.Length; i++)
            {
                if (asked[i].IsCompletedSuccessfully && asked[i].Result.Admitted)
                {
                    _ = ReleaseAsync(scopes[i].Scope, requestId);
                }
            }
            var fault = asked.First(t => t.IsFaulted || t.IsCanceled);
            throw new BudgetsUnavailableException(fault.Exception?.InnerException);
        }
        var verdicts = asked.Select(t => t.Result).ToArray();
        var refusal = verdicts.FirstOrDefault(v => !v.Admitted);
        if (refusal is null)
        {
            _running[requestId] = new Running(scopes, clock.GetUtcNow());
            return null;
        }
        for (var i = 0; i < scopes.Length; i++)
        {
            if (verdicts[i].Admitted)
            {
                _ = ReleaseAsync(scopes[i].Scope, requestId);
            }
        }
        return refusal;
    }

    /// <summary>
    /// Replaces the holds by the request's cost in every scope. A scope that cannot take it now (its grain is moving,
    /// the call timed out) is asked again in the background, with growing pauses, for up to
    /// <see cref="BudgetOptions.SettleRetryFor"/>: a late settle still counts in the budget (an expired hold is
    /// remembered), and a settle asked twice is not counted twice.
    /// </summary>
    public async Task SettleAsync(string requestId, ImmutableArray<ScopedPolicy> scopes, decimal cost, long tokens)
    {
        _running.TryRemove(requestId, out _);
        await Task.WhenAll(scopes.Select(s => SettleOrRetryAsync(new PendingSettle(s.Scope, requestId, cost, tokens, clock.GetUtcNow(), 0))));
    }

    /// <summary>Settles waiting to be asked again (for tests and diagnostics).</summary>
    public int PendingSettles => _retries.Count;

    private async Task SettleOrRetryAsync(PendingSettle settle)
    {
        try
        {
            await grains.Budget(settle.Scope).SettleAsync(settle.RequestId, settle.Cost, settle.Tokens);
        }
        catch (Exception e)
        {
            if (clock.GetUtcNow() - settle.FirstAt >= options.Value.SettleRetryFor)
            {
                LogSettleAbandoned(logger, e, settle.RequestId, settle.Scope);
                return;
            }
            if (settle.Attempts == 0)
            {
                LogSettleFailed(logger, e, settle.RequestId, settle.Scope);
            }
            var pause = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, settle.Attempts)));
            _retries.Enqueue(settle with { Attempts = settle.Attempts + 1, DueAt = clock.GetUtcNow() + pause });
        }
    }

    private async Task RetrySettlesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            for (var count = _retries.Count; count > 0 && _retries.TryDequeue(out var settle); count--)
            {
                if (settle.DueAt > now)
                {
                    _retries.Enqueue(settle);
                    continue;
                }
                await SettleOrRetryAsync(settle);
            }
        }
    }

    /// <summary>The request's usage could not be recorded: its holds stay until their lease ends.</summary>
    public void Abandon(string requestId) => _running.TryRemove(requestId, out _);

    private async Task ReleaseAsync(string scope, string requestId)
    {
        try
        {
            await grains.Budget(scope).ReleaseAsync(requestId);
        }
        catch (Exception e)
        {
            LogReleaseFailed(logger, e, requestId, scope);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RenewLeasesAsync(stoppingToken), RetrySettlesAsync(stoppingToken));

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var interval = Lease / 3;
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var due = clock.GetUtcNow() - interval;
            var byScope = _running
                .Where(r => r.Value.RenewedAt <= due)
                .SelectMany(r => r.Value.Scopes.Select(s => (s.Scope, RequestId: r.Key)))
                .GroupBy(x => x.Scope, x => x.RequestId);
            foreach (var group in byScope)
            {
                try
                {
                    await grains.Budget(group.Key).RenewAsync([.. group], Lease);
                }
                catch (Exception e)
                {
                    LogRenewFailed(logger, e, group.Key);
                }
            }
            foreach (var (id, running) in _running.Where(r => r.Value.RenewedAt <= due))
            {
                _running.TryUpdate(id, running with { RenewedAt = clock.GetUtcNow() }, running);
            }
        }
    }

    private sealed record Running(ImmutableArray<ScopedPolicy> Scopes, DateTimeOffset RenewedAt);

    private sealed record PendingSettle(string Scope, string RequestId, decimal Cost, long Tokens, DateTimeOffset FirstAt, int Attempts,
        DateTimeOffset DueAt = default);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling request {RequestId} with {Scope} failed; asking again")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string requestId, string scope);

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling request {RequestId} with {Scope} failed for too long; the budget catches up from the ledger when it next loads")]
    private static partial void LogSettleAbandoned(ILogger logger, Exception exception, string requestId, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing request {RequestId} from {Scope} failed; its lease will")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string requestId, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing reservations in {Scope} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string scope);
}

/// <summary>A budget scope could not take a reservation (its state could not be loaded or reached): the request cannot be admitted now.</summary>
public sealed class BudgetsUnavailableException(Exception? inner) : Exception("A budget could not be reached.", inner);
