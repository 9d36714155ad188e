namespace Gateway.Grains.Budgets;

/// <summary>
/// The last minute of one scope's traffic, for its per-minute limits: requests counted as they are admitted, tokens as
/// their request settles. A refusal says when enough of the minute will have passed for the request to fit.
/// </summary>
internal sealed class RateWindow
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly Queue<DateTimeOffset> _requestTimes = new();
    private readonly Queue<(DateTimeOffset At, long Tokens)> _tokenTimes = new();
    private long _tokensInWindow;

    public void AddRequest(DateTimeOffset now) => _requestTimes.Enqueue(now);

    public void AddTokens(DateTimeOffset now, long tokens)
    {
        _tokenTimes.Enqueue((now, tokens));
        _tokensInWindow += tokens;
    }

    /// <summary>The 429 for a request over <paramref name="limits"/>' requests or tokens per minute; null when it fits.</summary>
    public BudgetVerdict? Check(RateLimits limits, string scope, DateTimeOffset now)
    {
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
            return BudgetVerdict.Deny(BudgetRefusal.RateLimited,
                $"{BudgetScopes.Describe(scope)} reached its limit of {rpm} requests per minute.", SecondsUntil(freeAt, now));
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
            return BudgetVerdict.Deny(BudgetRefusal.RateLimited,
                $"{BudgetScopes.Describe(scope)} reached its limit of {tpm} tokens per minute.", SecondsUntil(freeAt, now));
        }
        return null;
    }

    private static int SecondsUntil(DateTimeOffset at, DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((at - now).TotalSeconds));
}
