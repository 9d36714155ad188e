using Gateway.Grains.Providers;

namespace Gateway.Api.Providers;

/// <summary>One request to send to one provider target.</summary>
/// <param name="Endpoint"><c>messages</c> or <c>count_tokens</c>.</param>
/// <param name="Model">The Anthropic model id the target asks for (after <c>override_params.model</c>).</param>
/// <param name="ProviderModel">The provider's own id for <paramref name="Model"/>.</param>
/// <param name="Body">The client's body bytes as received.</param>
/// <param name="BodyModel">The body's model, and where it sits in the bytes.</param>
/// <param name="Client">The client's headers and query string.</param>
public sealed record ProviderCall(
    ProviderConnection Provider,
    string Endpoint,
    string Model,
    string ProviderModel,
    ReadOnlyMemory<byte> Body,
    ModelField BodyModel,
    bool Stream,
    ForwardedRequest Client)
{
    public bool IsCountTokens => Endpoint == Projections.Usage.UsageEndpoints.CountTokens;

    /// <summary>The client's <c>anthropic-beta</c> values, each once, in order (several headers or comma lists alike).</summary>
    public IReadOnlyList<string> BetaValues() => Client.BetaValues();
}

/// <summary>A provider's failure as the client would get it.</summary>
public readonly record struct ProviderError(int Status, string Type, string Message);
