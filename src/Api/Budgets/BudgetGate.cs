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

    public TimeSpan Lease => options.Value.Lease;

    /// <summary>Null when every scope admitted the request (its holds are then registered until settled).</summary>
    public async Task<BudgetVerdict?> ReserveAsync(string requestId, ImmutableArray<ScopedPolicy> scopes, decimal amount, long tokens, DateTimeOffset admittedAt)
    {
        var verdicts = await Task.WhenAll(scopes.Select(s =>
            grains.Budget(s.Scope).ReserveAsync(new BudgetHold(requestId, s.Policy, amount, tokens, admittedAt, Lease))));
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

    /// <summary>Replaces the holds by the request's cost in every scope; failures are logged (the ledger stays the truth).</summary>
    public async Task SettleAsync(string requestId, ImmutableArray<ScopedPolicy> scopes, decimal cost, long tokens)
    {
        _running.TryRemove(requestId, out _);
        try
        {
            await Task.WhenAll(scopes.Select(s => grains.Budget(s.Scope).SettleAsync(requestId, cost, tokens)));
        }
        catch (Exception e)
        {
            LogSettleFailed(logger, e, requestId);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling request {RequestId} with its budgets failed; they catch up from the ledger")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing request {RequestId} from {Scope} failed; its lease will")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string requestId, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing reservations in {Scope} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string scope);
}
