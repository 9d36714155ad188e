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
            return BudgetVerdict.Deny(402, "billing_error", Exhausted(limit, hold.Amount, now));
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
            _requestTimes.Enqueue(now);
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
            return BudgetVerdict.Deny(503, "overloaded_error", "The gateway cannot record budget reservations right now; try again shortly.", 1);
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

    /// <summary>
    /// Makes the durable allowance cover what is outstanding, for at least one more lease. It grows to twice what
    /// is needed (or eight more requests like this one), never past what the budget could still hold.
    /// </summary>
    private async Task CoverAsync(Budget budget, decimal amount, TimeSpan lease)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            var needed = Outstanding;
            if (needed <= _allowance && _allowanceExpiresAt >= now + lease)
            {
                return;
            }
            if (_allowanceWrite is { } pending)
            {
                await pending;
                continue;
            }
            var target = Math.Max(needed, Math.Min(budget.LimitUsd - _spent, Math.Max(needed * 2, needed + amount * 8)));
            var expiresAt = Max(now + lease * 2, _carryOverExpiresAt);
            _allowanceWrite = store.SetAllowanceAsync(Scope, _periodStart, target, expiresAt);
            try
            {
                await _allowanceWrite;
                _allowance = target;
                _allowanceExpiresAt = expiresAt;
            }
            finally
            {
                _allowanceWrite = null;
            }
        }
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
        return $"Budget exhausted for {Describe()}: {_spent:0.######} USD spent and {Outstanding:0.######} USD reserved of its " +
               $"{budget.Period.ToString().ToLowerInvariant()} limit of {budget.LimitUsd:0.######} USD; this request could cost up to " +
               $"{amount:0.######} USD. {resets}";
    }

    private string Describe() => BudgetScopes.Describe(Scope);

    private static int SecondsUntil(DateTimeOffset at, DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((at - now).TotalSeconds));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

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
    /// Reads the period's spend from the ledger and the allowance left by whoever held this budget before.
    /// Reservations wait meanwhile and settlements queue (applied afterwards).
    /// </summary>
    private async Task LoadAsync(Budget budget, DateTimeOffset periodStart, DateTimeOffset now)
    {
        _settledWhileLoading = [];
        try
        {
            while (_allowanceWrite is { } pending)
            {
                await pending;
            }
            var snapshot = await store.LoadAsync(Scope, periodStart, budget.AlertAt, now);
            var own = _held.Values.Where(h => h.Budgeted && h.PeriodStart == periodStart).Sum(h => h.Amount);
            _period = budget.Period;
            _periodStart = periodStart;
            _spent = snapshot.Spent;
            _reserved = own;
            // Whatever the stored allowance covers beyond this activation's own reservations may still be running.
            _carryOver = Math.Max(0, snapshot.Allowance - own);
            _carryOverExpiresAt = Max(snapshot.AllowanceExpiresAt, _carryOverExpiresAt);
            _allowance = snapshot.Allowance;
            _allowanceExpiresAt = snapshot.AllowanceExpiresAt;
            _alerted = [.. snapshot.AlertsRaised];
            _expired.Clear();
            foreach (var (requestId, cost) in _settledWhileLoading)
            {
                Apply(requestId, cost, now);
            }
        }
        finally
        {
            _settledWhileLoading = null;
        }
        RaiseAlerts(now);
    }

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

    private readonly record struct Held(decimal Amount, DateTimeOffset PeriodStart, DateTimeOffset ExpiresAt, bool Budgeted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the budget allowance of {Scope}")]
    private static partial void LogAllowanceFailed(ILogger logger, Exception exception, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: {Scope} spent {Spent} USD, {Threshold:P0} of its limit of {Limit} USD")]
    private static partial void LogAlert(ILogger logger, string scope, decimal threshold, decimal spent, decimal limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record a budget alert for {Scope}")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, string scope);
}
