using Gateway.Api.DataPlane;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Providers;

/// <summary>One request to send to one provider target.</summary>
/// <param name="Endpoint"><c>messages</c> or <c>count_tokens</c>.</param>
/// <param name="Model">The Anthropic model id the target asks for (after <c>override_params.model</c>).</param>
/// <param name="ProviderModel">The provider's own id for <paramref name="Model"/>.</param>
/// <param name="Body">The client's body bytes as received.</param>
/// <param name="Request">What the gateway read of the client's body (its model, and where that sits in the bytes).</param>
public sealed record ProviderCall(
    ProviderConnection Provider,
    string Endpoint,
    string Model,
    string ProviderModel,
    ReadOnlyMemory<byte> Body,
    MessagesRequest Request,
    bool Stream,
    HttpRequest Client)
{
    public bool IsCountTokens => Endpoint == "count_tokens";

    /// <summary>The client's <c>anthropic-beta</c> values, each once, in order (several headers or comma lists alike).</summary>
    public IReadOnlyList<string> BetaValues() => [.. Client.Headers["anthropic-beta"]
        .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Distinct(StringComparer.Ordinal)];
}

/// <summary>A provider's failure as the client would get it.</summary>
public readonly record struct ProviderError(int Status, string Type, string Message);
