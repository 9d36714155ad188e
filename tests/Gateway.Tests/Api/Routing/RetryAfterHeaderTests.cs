using System.Net.Http.Headers;
using Gateway.Api.Routing;

namespace Gateway.Tests.Api.Routing;

/// <summary>The wait a provider asks for: <c>retry-after-ms</c> first, else <c>retry-after</c> in seconds or as a date.</summary>
[Trait("Category", "Unit")]
public sealed class RetryAfterHeaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1_500, "retry-after-ms: 1500", "retry-after: 9")]
    [InlineData(7_000, "retry-after: 7")]
    [InlineData(4_000, "retry-after: Sun, 01 Mar 2026 12:00:04 GMT")]
    [InlineData(0, "retry-after: Sun, 01 Mar 2026 11:59:00 GMT")]
    [InlineData(2_000, "retry-after-ms: -5", "retry-after: 2")]
    [InlineData(86_400_000, "retry-after-ms: 1e300")]
    public void Reads_the_wait_the_provider_asked_for(double expectedMs, params string[] headers)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryAfterHeader.Read(Headers(headers), Now));
    }

    [Theory]
    [InlineData]
    [InlineData("retry-after-ms: soon")]
    public void No_wait_when_the_provider_did_not_say(params string[] headers)
    {
        Assert.Null(RetryAfterHeader.Read(Headers(headers), Now));
    }

    private static HttpResponseHeaders Headers(string[] lines)
    {
        var response = new HttpResponseMessage();
        foreach (var line in lines)
        {
            var (name, value) = (line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            response.Headers.TryAddWithoutValidation(name, value);
        }
        return response.Headers;
    }
}
