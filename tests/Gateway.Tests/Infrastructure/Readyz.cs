using System.Net;

namespace Gateway.Tests.Infrastructure;

/// <summary>A gateway's readiness as a load balancer polls it.</summary>
public static class Readyz
{
    /// <summary>Whether <c>/readyz</c> answers <paramref name="status"/> within <paramref name="within"/>.</summary>
    public static Task<bool> BecomesAsync(HttpClient client, HttpStatusCode status, TimeSpan within) =>
        Processes.WaitUntilAsync(async () =>
        {
            using var response = await client.GetAsync("/readyz");
            return response.StatusCode == status;
        }, within);
}
