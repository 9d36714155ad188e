using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Budgets;

/// <summary>
/// Reentrant on purpose: every decision (check and update) happens between two awaits, so it is atomic in the
/// grain's single thread, while a durable write does not hold up the requests behind it.
/// </summary>
/// <remarks>
/// Reservations live in memory; what outlives a crash is the scope's <em>allowance</em>, a durable upper bound of
/// the reservations outstanding, written before a reservation may exceed it (growing geometrically, so a busy
/// budget writes it a handful of times, not per request) and valid for two leases. An activation that finds an
/// unexpired allowance from a predecessor counts all of it as reserved (the <em>carry-over</em>) until it expires
/// — the predecessor's requests may still be running — and counts the cost of every such request that settles
/// here, which at worst counts one twice: the error is always towards refusing, never towards overspending.
/// </remarks>
// Partial: this file holds the decisions (admit, settle, expire, alert); BudgetGrain.Storage.cs what it reads and writes durably.
[Reentrant]
public sealed partial class BudgetGrain(IBudgetStore store, TimeProvider clock, ILogger<BudgetGrain> logger) : Grain, IBudgetGrain
{
    private static readonly TimeSpan ExpiryScanInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    // Reservations whose lease ran out while this activation lived; if such a request still finishes, its cost counts.
    private readonly Dictionary<string, DateTimeOffset> _expired = new(StringComparer.Ordinal);
    private readonly RateWindow _rates = new();
    private DateTimeOffset _nextExpiryScan;

    // The budget period loaded from the store, and what it holds.
    private Budget? _budget;
    private BudgetPeriod? _period;
    private DateTimeOffset _periodStart;
    private decimal _spent;
    private decimal _reserved;
    private HashSet<decimal> _alerted = [];

    // The durable bound of _reserved + _carryOver, and a predecessor's reservations that may still be running.
    private decimal _allowance;
    private DateTimeOffset _allowanceExpiresAt;
    private decimal _carryOver;
    private DateTimeOffset _carryOverExpiresAt;
    private Task? _allowanceWrite;

    // While the store is read, reservations wait and settlements queue.
    private Task? _loading;
    private List<(string RequestId, decimal Cost)>? _settledWhileLoading;

    private string Scope => this.ResourceId();

    private decimal Outstanding => _reserved + _carryOver;

    public async Task<BudgetVerdict> ReserveAsync(BudgetHold hold)
    {
        var policy = hold.Policy;
        var now = clock.GetUtcNow();
        if (policy.Budget is { } budget)
        {
            await EnsurePeriodAsync(budget, hold.AdmittedAt, now);
        }
        Expire(now);

        if (policy.RateLimits is { } limits && RateLimited(limits, now) is { } limited)
        {
            return limited;
        }
        if (policy.Budget is { } limit && _spent + Outstanding + hold.Amount > limit.LimitUsd)
        {
            return BudgetVerdict.Deny(BudgetRefusal.BudgetExhausted, Exhausted(limit, hold.Amount, now));
        }

        // A request stamped just before a rollover belongs to the older period, as its ledger event will.
        var periodStart = policy.Budget is { } counting ? BudgetPeriods.StartOf(counting.Period, hold.AdmittedAt) : default;
        var counted = policy.Budget is not null && periodStart == _periodStart;
        _held[hold.RequestId] = new Held(policy.Budget is null ? 0 : hold.Amount, periodStart, now + hold.Lease, Budgeted: policy.Budget is not null);
        if (counted)
        {
            _reserved += hold.Amount;
        }
        if (policy.RateLimits is { Rpm: not null })
        {
            _rates.AddRequest(now);
        }
        if (policy.Budget is not { } bounded)
        {
            return BudgetVerdict.Admit;
        }

        // Durable before the provider is called: if this silo dies now, whoever activates the budget next counts it.
        try
        {
            await CoverAsync(bounded, hold.Amount, hold.Lease);
            return BudgetVerdict.Admit;
        }
        catch (Exception e)
        {
            LogAllowanceFailed(logger, e, Scope);
            Drop(hold.RequestId);
            return BudgetVerdict.Deny(BudgetRefusal.StoreUnavailable, "The gateway cannot record budget reservations right now; try again shortly.", 1);
        }
    }

    public Task SettleAsync(string requestId, decimal cost, long tokens)
    {
        var now = clock.GetUtcNow();
        if (tokens > 0)
        {
            _rates.AddTokens(now, tokens);
        }
        if (_settledWhileLoading is { } queued)
        {
            queued.Add((requestId, cost));
            return Task.CompletedTask;
        }
        Apply(requestId, cost, now);
        RaiseAlerts(now);
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string requestId)
    {
        Drop(requestId);
        return Task.CompletedTask;
    }

    public async Task RenewAsync(ImmutableArray<string> requestIds, TimeSpan lease)
    {
        var now = clock.GetUtcNow();
        foreach (var id in requestIds)
        {
            if (_held.TryGetValue(id, out var held))
            {
                _held[id] = held with { ExpiresAt = now + lease };
            }
            else
            {
                // A predecessor's request is still running (this activation may not even have loaded yet): its share
                // of the carry-over stays.
                _carryOverExpiresAt = Max(_carryOverExpiresAt, now + lease);
            }
        }
        if (_budget is { } budget)
        {
            await CoverAsync(budget, 0, lease);
        }
    }

    public async Task<BudgetStatus> GetStatusAsync(ScopePolicy policy)
    {
        var now = clock.GetUtcNow();
        if (policy.Budget is not { } budget)
        {
            Expire(now);
            return new BudgetStatus(0, 0, DateTimeOffset.UnixEpoch, null, _held.Count);
        }
        await EnsurePeriodAsync(budget, now, now);
        Expire(now);
        return new BudgetStatus(_spent, Outstanding, _periodStart, BudgetPeriods.ResetsAt(budget.Period, now), _held.Count);
    }

    public async Task<decimal> GetSpentSinceAsync(DateTimeOffset since) =>
        (await store.LoadAsync(Scope, since, [], clock.GetUtcNow())).Spent;

    private BudgetVerdict? RateLimited(RateLimits limits, DateTimeOffset now)
    {
        if (limits.Concurrency is { } concurrency && _held.Count >= concurrency)
        {
            return BudgetVerdict.Deny(BudgetRefusal.RateLimited,
                $"{Describe()} has {concurrency} requests in flight, its concurrency limit.", 1);
        }
        return _rates.Check(limits, Scope, now);
    }

    private string Exhausted(Budget budget, decimal amount, DateTimeOffset now)
    {
        var resets = BudgetPeriods.ResetsAt(budget.Period, now) is { } at ? $"It resets at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}." : "It does not reset (total budget).";
        return $"Budget exhausted for {Describe()}: {_spent:0.######} USD spent and {Outstanding:0.######} USD reserved of its " +
               $"{budget.Period.ToString().ToLowerInvariant()} limit of {budget.LimitUsd:0.######} USD; this request could cost up to " +
               $"{amount:0.######} USD. {resets}";
    }

    private string Describe() => BudgetScopes.Describe(Scope);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private void Apply(string requestId, decimal cost, DateTimeOffset now)
    {
        if (Drop(requestId) is { } held)
        {
            if (held.Budgeted && held.PeriodStart == _periodStart)
            {
                _spent += cost;
            }
        }
        else if (_expired.Remove(requestId, out var periodStart))
        {
            if (periodStart == _periodStart)
            {
                _spent += cost;
            }
        }
        else if (_carryOver > 0 && _carryOverExpiresAt > now)
        {
            // A predecessor's request: its cost may already be in the spend this activation loaded; counting it
            // again errs towards refusing, and the carry-over ends when its lease does.
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
        if (held.Budgeted && held.PeriodStart == _periodStart)
        {
            _reserved -= held.Amount;
        }
        return held;
    }

    /// <summary>Reservations whose request died (its silo was killed) stop counting when their lease ends.</summary>
    private void Expire(DateTimeOffset now)
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
        if (_carryOver > 0 && _carryOverExpiresAt <= now)
        {
            _carryOver = 0;
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

    private readonly record struct Held(decimal Amount, DateTimeOffset PeriodStart, DateTimeOffset ExpiresAt, bool Budgeted);
}
