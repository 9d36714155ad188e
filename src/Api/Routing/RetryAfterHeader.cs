using System.Globalization;
using System.Net.Http.Headers;

namespace Gateway.Api.Routing;

/// <summary>The wait a provider asks for before another try (<c>retry-after-ms</c>, else <c>retry-after</c>).</summary>
public static class RetryAfterHeader
{
    /// <summary><c>retry-after-ms</c>, else <c>retry-after</c> in seconds or as a date (as of <paramref name="now"/>); null when neither says.</summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            // Any wait longer than a day is as good as "do not retry" (and Infinity would not fit a TimeSpan).
            return TimeSpan.FromMilliseconds(Math.Min(milliseconds, TimeSpan.FromDays(1).TotalMilliseconds));
        }
        if (headers.RetryAfter is { } retryAfter)
        {
            return retryAfter.Delta ?? (retryAfter.Date is { } date ? (date - now) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero : null);
        }
        return null;
    }
}
