using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Budgets;

/// <summary>
/// Reentrant on purpose: every decision (check and update) happens between two awaits, so it is atomic in the
/// grain's single thread, while the durable write of one reservation does not hold up the next request.
/// </summary>
[Reentrant]
public sealed partial class BudgetGrain(IBudgetStore store, TimeProvider clock, ILogger<BudgetGrain> logger) : Grain, IBudgetGrain
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ExpiryScanInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    // Reservations whose lease ran out while this activation lived; if such a request still finishes, its cost counts.
    private readonly Dictionary<string, DateTimeOffset> _expired = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _requestTimes = new();
    private readonly Queue<(DateTimeOffset At, long Tokens)> _tokenTimes = new();
    private long _tokensInWindow;
    private DateTimeOffset _nextExpiryScan;

    // The budget period loaded from the store, and what it holds.
    private BudgetPeriod? _period;
    private DateTimeOffset _periodStart;
    private decimal _spent;
    private decimal _reserved;
    private HashSet<decimal> _alerted = [];
    private Budget? _budget;

    // While the store is read, reservations wait and settlements queue (see LoadAsync).
    private Task? _loading;
    private List<(string RequestId, decimal Cost)>? _settledWhileLoading;
    private int _pendingWrites;
    private TaskCompletionSource? _writesDrained;

    private string Scope => this.ResourceId();

    public async Task<BudgetVerdict> ReserveAsync(BudgetHold hold)
    {
        var policy = hold.Policy;
        var now = clock.GetUtcNow();
        if (policy.Budget is { } budget)
        {
            await EnsurePeriodAsync(budget, hold.AdmittedAt, now);
        }
        ExpireHolds(now);

        if (policy.RateLimits is { } limits && RateLimited(limits, now) is { } limited)
        {
            return limited;
        }

        if (policy.Budget is { } limit && _spent + _reserved + hold.Amount > limit.LimitUsd)
        {
            return BudgetVerdict.Deny(402, "billing_error", Exhausted(limit, hold.Amount, now));
        }

        // A request stamped just before a rollover belongs to the older period, as its ledger event will.
        var periodStart = policy.Budget is { } counting ? BudgetPeriods.StartOf(counting.Period, hold.AdmittedAt) : default;
        var counted = policy.Budget is not null && periodStart == _periodStart;
        var held = new Held(policy.Budget is null ? 0 : hold.Amount, periodStart, now + hold.Lease, Durable: policy.Budget is not null);
        _held[hold.RequestId] = held;
        if (counted)
        {
            _reserved += held.Amount;
        }
        if (policy.RateLimits is { Rpm: not null })
        {
            _requestTimes.Enqueue(now);
        }
        if (!held.Durable)
        {
            return BudgetVerdict.Admit;
        }

        // Durable before the provider is called: if this silo dies now, whoever activates the budget next sees it.
        _pendingWrites++;
        try
        {
            await store.HoldAsync(Scope, hold.RequestId, held.Amount, held.PeriodStart, held.ExpiresAt);
            return BudgetVerdict.Admit;
        }
        catch (Exception e)
        {
            LogHoldFailed(logger, e, Scope);
            Drop(hold.RequestId);
            return BudgetVerdict.Deny(503, "overloaded_error", "The gateway cannot record budget reservations right now; try again shortly.", 1);
        }
        finally
        {
            if (--_pendingWrites == 0)
            {
                _writesDrained?.TrySetResult();
            }
        }
    }

    public Task SettleAsync(string requestId, decimal cost, long tokens)
    {
        var now = clock.GetUtcNow();
        if (tokens > 0)
        {
            _tokenTimes.Enqueue((now, tokens));
            _tokensInWindow += tokens;
        }
        if (_settledWhileLoading is { } queued)
        {
            queued.Add((requestId, cost));
            return Task.CompletedTask;
        }
        Apply(requestId, cost);
        RaiseAlerts(now);
        return Task.CompletedTask;
    }

    public async Task ReleaseAsync(string requestId)
    {
        if (Drop(requestId) is { Durable: true })
        {
            await store.ReleaseAsync(Scope, requestId);
        }
    }

    public async Task RenewAsync(ImmutableArray<string> requestIds, TimeSpan lease)
    {
        var expiresAt = clock.GetUtcNow() + lease;
        var durable = new List<string>();
        foreach (var id in requestIds)
        {
            if (_held.TryGetValue(id, out var held))
            {
                _held[id] = held with { ExpiresAt = expiresAt };
                if (held.Durable)
                {
                    durable.Add(id);
                }
            }
        }
        if (durable.Count > 0)
        {
            await store.RenewAsync(Scope, durable, expiresAt);
        }
    }

    public async Task<BudgetStatus> GetStatusAsync(ScopePolicy policy)
    {
        var now = clock.GetUtcNow();
        if (policy.Budget is not { } budget)
        {
            ExpireHolds(now);
            return new BudgetStatus(0, 0, DateTimeOffset.UnixEpoch, null, _held.Count);
        }
        await EnsurePeriodAsync(budget, now, now);
        ExpireHolds(now);
        return new BudgetStatus(_spent, _reserved, _periodStart, BudgetPeriods.ResetsAt(budget.Period, now), _held.Count);
    }

    private BudgetVerdict? RateLimited(RateLimits limits, DateTimeOffset now)
    {
        if (limits.Concurrency is { } concurrency && _held.Count >= concurrency)
        {
            return BudgetVerdict.Deny(429, "rate_limit_error",
                $"{Describe()} has {concurrency} requests in flight, its concurrency limit.", 1);
        }
        while (_requestTimes.TryPeek(out var at) && at <= now - Minute)
        {
            _requestTimes.Dequeue();
        }
        while (_tokenTimes.TryPeek(out var entry) && entry.At <= now - Minute)
        {
            _tokensInWindow -= _tokenTimes.Dequeue().Tokens;
        }
        if (limits.Rpm is { } rpm && _requestTimes.Count >= rpm)
        {
            // Room again once enough of the last minute's requests have left the window.
            var freeAt = _requestTimes.ElementAt(_requestTimes.Count - rpm) + Minute;
            return BudgetVerdict.Deny(429, "rate_limit_error",
                $"{Describe()} reached its limit of {rpm} requests per minute.", SecondsUntil(freeAt, now));
        }
        if (limits.Tpm is { } tpm && _tokensInWindow >= tpm)
        {
            var excess = _tokensInWindow - tpm;
            var freeAt = now;
            foreach (var (at, tokens) in _tokenTimes)
            {
                freeAt = at + Minute;
                excess -= tokens;
                if (excess < 0)
                {
                    break;
                }
            }
            return BudgetVerdict.Deny(429, "rate_limit_error",
                $"{Describe()} reached its limit of {tpm} tokens per minute.", SecondsUntil(freeAt, now));
        }
        return null;
    }

    private string Exhausted(Budget budget, decimal amount, DateTimeOffset now)
    {
        var resets = BudgetPeriods.ResetsAt(budget.Period, now) is { } at ? $"It resets at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}." : "It does not reset (total budget).";
        return $"Budget exhausted for {Describe()}: {_spent:0.######} USD spent and {_reserved:0.######} USD reserved of its " +
               $"{budget.Period.ToString().ToLowerInvariant()} limit of {budget.LimitUsd:0.######} USD; this request could cost up to " +
               $"{amount:0.######} USD. {resets}";
    }

    private string Describe() => BudgetScopes.Describe(Scope);

    private static int SecondsUntil(DateTimeOffset at, DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((at - now).TotalSeconds));

    /// <summary>Loads the budget's period from the store on first use, when the period rolls over or its kind changes.</summary>
    private async Task EnsurePeriodAsync(Budget budget, DateTimeOffset admittedAt, DateTimeOffset now)
    {
        _budget = budget;
        while (true)
        {
            if (_loading is { } loading)
            {
                await loading;
                continue;
            }
            var start = BudgetPeriods.StartOf(budget.Period, admittedAt);
            // A request stamped a moment before a rollover this grain already made counts in the newer period.
            if (_period == budget.Period && start <= _periodStart)
            {
                return;
            }
            _loading = LoadAsync(budget, start, now);
            try
            {
                await _loading;
            }
            finally
            {
                _loading = null;
            }
        }
    }

    /// <summary>
    /// Reads spend and outstanding reservations from one snapshot of the store. Reservations wait meanwhile and
    /// writes already under way finish first, so every reservation this grain has admitted is either a row in the
    /// snapshot or (its request recorded and its row deleted in the same transaction) part of the ledger's spend.
    /// Settlements arriving meanwhile are applied afterwards, to the reservations the snapshot holds.
    /// </summary>
    private async Task LoadAsync(Budget budget, DateTimeOffset periodStart, DateTimeOffset now)
    {
        _settledWhileLoading = [];
        try
        {
            while (_pendingWrites > 0)
            {
                _writesDrained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _writesDrained.Task;
            }
            var snapshot = await store.LoadAsync(Scope, periodStart, budget.AlertAt, now);

            foreach (var id in _held.Where(h => h.Value.Durable).Select(h => h.Key).ToList())
            {
                _held.Remove(id);
            }
            foreach (var hold in snapshot.Holds)
            {
                _held[hold.RequestId] = new Held(hold.Amount, hold.PeriodStart, hold.ExpiresAt, Durable: true);
            }
            _period = budget.Period;
            _periodStart = periodStart;
            _spent = snapshot.Spent;
            _reserved = _held.Values.Where(h => h.Durable && h.PeriodStart == periodStart).Sum(h => h.Amount);
            _alerted = [.. snapshot.AlertsRaised];
            _expired.Clear();
            foreach (var (requestId, cost) in _settledWhileLoading)
            {
                Apply(requestId, cost);
            }
        }
        finally
        {
            _settledWhileLoading = null;
        }
        RaiseAlerts(now);
    }

    private void Apply(string requestId, decimal cost)
    {
        if (Drop(requestId) is { } held)
        {
            if (held.Durable && held.PeriodStart == _periodStart)
            {
                _spent += cost;
            }
        }
        else if (_expired.Remove(requestId, out var periodStart) && periodStart == _periodStart)
        {
            _spent += cost;
        }
        // Otherwise the request is already in the spend this activation loaded from the ledger.
    }

    private Held? Drop(string requestId)
    {
        if (!_held.Remove(requestId, out var held))
        {
            return null;
        }
        if (held.Durable && held.PeriodStart == _periodStart)
        {
            _reserved -= held.Amount;
        }
        return held;
    }

    /// <summary>A reservation whose request died (its silo was killed) stops counting when its lease ends.</summary>
    private void ExpireHolds(DateTimeOffset now)
    {
        if (now < _nextExpiryScan)
        {
            return;
        }
        _nextExpiryScan = now + ExpiryScanInterval;
        foreach (var (id, held) in _held.Where(h => h.Value.ExpiresAt <= now).ToList())
        {
            Drop(id);
            _expired[id] = held.PeriodStart;
        }
    }

    private void RaiseAlerts(DateTimeOffset now)
    {
        if (_budget is not { AlertAt.Length: > 0 } budget || budget.LimitUsd <= 0)
        {
            return;
        }
        foreach (var threshold in budget.AlertAt)
        {
            if (_spent >= budget.LimitUsd * threshold && _alerted.Add(threshold))
            {
                var alert = new BudgetAlert(Scope, _periodStart, threshold, budget.LimitUsd, _spent, now);
                LogAlert(logger, Scope, threshold, _spent, budget.LimitUsd);
                _ = RecordAlertAsync(alert);
            }
        }
    }

    private async Task RecordAlertAsync(BudgetAlert alert)
    {
        try
        {
            await store.RaiseAlertAsync(alert);
        }
        catch (Exception e)
        {
            LogAlertFailed(logger, e, alert.Scope);
        }
    }

    private readonly record struct Held(decimal Amount, DateTimeOffset PeriodStart, DateTimeOffset ExpiresAt, bool Durable);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record a budget reservation for {Scope}")]
    private static partial void LogHoldFailed(ILogger logger, Exception exception, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: {Scope} spent {Spent} USD, {Threshold:P0} of its limit of {Limit} USD")]
    private static partial void LogAlert(ILogger logger, string scope, decimal threshold, decimal spent, decimal limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record a budget alert for {Scope}")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, string scope);
}
