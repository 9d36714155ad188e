namespace Gateway.Silo.Hosting;

/// <summary>
/// <c>dotnet Gateway.Silo.dll healthcheck [url]</c>: asks this process's <c>/healthz</c> and exits 0 on a 200, 1 otherwise.
/// It is the container image's HEALTHCHECK: the ASP.NET runtime image has neither curl nor wget, and the gateway's own
/// runtime is all this needs. Without a URL it asks the first address of <c>ASPNETCORE_URLS</c> (a wildcard host as loopback).
/// </summary>
public static class HealthCheck
{
    public const string Command = "healthcheck";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        var target = args.Length > 1 ? args[1] : LocalAddress(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        if (!Uri.TryCreate(target, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"healthcheck: '{target}' is not an http(s) address");
            return 1;
        }
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(new Uri(baseUrl, "/healthz"));
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }
            await error.WriteLineAsync($"healthcheck: {baseUrl} answered /healthz with {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"healthcheck: {baseUrl} did not answer /healthz: {e.Message}");
        }
        return 1;
    }

    /// <summary>The address to ask for a listening setting (<c>http://0.0.0.0:8080;…</c>): its first, a wildcard host as loopback.</summary>
    public static string LocalAddress(string? urls)
    {
        var first = (urls ?? GatewaySettings.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault() ?? GatewaySettings.DefaultUrl;
        foreach (var wildcard in new[] { "://0.0.0.0", "://*", "://+", "://[::]" })
        {
            first = first.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        }
        return first;
    }
}
