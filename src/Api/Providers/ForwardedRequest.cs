using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Providers;

/// <summary>What of the client's request a provider adapter may pass on: its headers and query string.</summary>
public readonly record struct ForwardedRequest(IHeaderDictionary Headers, string? QueryString)
{
    public static ForwardedRequest Of(HttpRequest request) => new(request.Headers, request.QueryString.Value);

    /// <summary>The client's <c>anthropic-beta</c> values, each once, in order (several headers or comma lists alike).</summary>
    public IReadOnlyList<string> BetaValues() => [.. Headers["anthropic-beta"]
        .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Distinct(StringComparer.Ordinal)];
}
