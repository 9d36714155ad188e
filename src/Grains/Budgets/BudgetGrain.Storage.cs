using Microsoft.Extensions.Logging;

namespace Gateway.Grains.Budgets;

// The grain's durable side: the period it loads from the store and the allowance and alerts it writes there.
public sealed partial class BudgetGrain
{
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the budget allowance of {Scope}")]
    private static partial void LogAllowanceFailed(ILogger logger, Exception exception, string scope);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: {Scope} spent {Spent} USD, {Threshold:P0} of its limit of {Limit} USD")]
    private static partial void LogAlert(ILogger logger, string scope, decimal threshold, decimal spent, decimal limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record a budget alert for {Scope}")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, string scope);
}
