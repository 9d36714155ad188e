using Gateway.Grains.Configs;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Routing;

/// <summary>
/// Tries one provider target, and again on the failures its <see cref="RetryPolicy"/> names, waiting what the
/// provider asked for (<c>retry-after</c>) or an exponential backoff; gives up when the wait is longer than
/// <see cref="RoutingOptions.MaxRetryAfter"/> or than the request has left.
/// </summary>
public sealed class TargetRetry(IOptions<RoutingOptions> options, TimeProvider clock, Random random)
{
    /// <summary>Runs <paramref name="target"/> (a provider target of <paramref name="group"/>) with its retries.</summary>
    public async Task<AttemptFailure?> RunAsync(RouteTarget target, RouteConfig group, IRoutedRequest request)
    {
        var retries = target.Retry?.Attempts ?? 0;
        for (var attempt = 0; ; attempt++)
        {
            var failure = await request.TryAsync(target, AttemptTimeout(group, request.Remaining));
            if (failure is null || attempt >= retries || failure.NotServed || !Retries(target.Retry!, failure))
            {
                return failure;
            }
            var delay = failure.RetryAfter ?? Backoff(attempt);
            if (delay > options.Value.MaxRetryAfter || delay >= request.Remaining)
            {
                return failure;
            }
            try
            {
                await Task.Delay(delay, clock, request.ClientAborted);
            }
            catch (OperationCanceledException)
            {
                await request.ClientLeftAsync();
                return null;
            }
        }
    }

    /// <summary>Whether <paramref name="failure"/> is worth another try: a transport failure, or a status the policy names.</summary>
    public static bool Retries(RetryPolicy policy, AttemptFailure failure) => failure.Transport || failure.HasStatusIn(policy.OnStatusCodes);

    /// <summary>Exponential backoff with jitter: base, 2×base, 4×base… each ±25 %.</summary>
    public TimeSpan Backoff(int attempt) =>
        options.Value.RetryBaseDelay * Math.Pow(2, attempt) * (0.75 + random.NextDouble() / 2);

    /// <summary>The attempt's own timeout, or what is left of the request's, whichever ends first (at least 1 ms).</summary>
    public static TimeSpan AttemptTimeout(RouteConfig group, TimeSpan remaining) =>
        TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(group.RequestTimeoutMs, remaining.TotalMilliseconds)));
}
