using System.Collections.Immutable;

namespace Gateway.Projections.Models;

/// <summary>
/// One model as the catalog knows it: how each provider kind names it, its sizes and its price (with any price a
/// provider connection is billed at instead).
/// </summary>
/// <param name="Id">The Anthropic id (dated for models that have snapshot ids).</param>
/// <param name="Aliases">Other Anthropic names (<c>claude-opus-4-5</c> for <c>claude-opus-4-5-20251101</c>).</param>
/// <param name="BedrockId">Bedrock's foundation-model id, without an inference-profile prefix; null when Bedrock does not serve it.</param>
/// <param name="BedrockProfile">How Bedrock is called for it: <see cref="BedrockProfiles"/>.</param>
/// <param name="BedrockPrefixes">The inference profiles Bedrock offers it through (<c>global</c>, <c>us</c>, …); empty when not known.</param>
/// <param name="VertexId">Vertex AI's id; null when Vertex does not serve it.</param>
/// <param name="Source"><c>shipped</c> (in the gateway's data files) or <c>custom</c> (added by an admin).</param>
/// <param name="Overridden">The fields of a shipped entry an admin changed.</param>
public sealed record ModelEntry(
    string Id,
    ImmutableArray<string> Aliases,
    string DisplayName,
    DateTimeOffset CreatedAt,
    string? BedrockId,
    string BedrockProfile,
    ImmutableArray<string> BedrockPrefixes,
    string? VertexId,
    long? ContextWindow,
    long? MaxOutputTokens,
    ModelPrice? Price,
    ImmutableSortedDictionary<string, ModelPrice> ProviderPrices,
    string Source,
    ImmutableArray<string> Overridden)
{
    public const string Shipped = "shipped";
    public const string Custom = "custom";

    /// <summary>The alias clients usually write (the first), else the id.</summary>
    public string PreferredName => Aliases.IsEmpty ? Id : Aliases[0];

    /// <summary>Whether <paramref name="name"/> is the id or an alias.</summary>
    public bool IsAnthropicName(string name) => Id == name || Aliases.Contains(name);

    /// <summary>The price a request served through <paramref name="provider"/> is billed at; null when unpriced.</summary>
    public ModelPrice? PriceThrough(string? provider) =>
        provider is not null && ProviderPrices.TryGetValue(provider, out var own) ? own : Price;

    /// <summary>
    /// The id a Bedrock connection in <paramref name="region"/> calls the model by, as <see cref="BedrockProfile"/> says:
    /// the bare foundation-model id, the global profile, or the region's geographic profile when the model is offered
    /// through one (else the global profile, else the bare id).
    /// </summary>
    public string? BedrockIdFor(string? region)
    {
        if (BedrockId is null)
        {
            return null;
        }
        switch (BedrockProfile)
        {
            case BedrockProfiles.None:
                return BedrockId;
            case BedrockProfiles.Global:
                return $"{BedrockProfiles.GlobalPrefix}.{BedrockId}";
            default:
                foreach (var geography in BedrockProfiles.Geographies(region))
                {
                    if (OffersProfile(geography))
                    {
                        return $"{geography}.{BedrockId}";
                    }
                }
                return OffersProfile(BedrockProfiles.GlobalPrefix) ? $"{BedrockProfiles.GlobalPrefix}.{BedrockId}" : BedrockId;
        }
    }

    /// <summary>
    /// Whether a client's own Bedrock spelling (profile <paramref name="prefix"/>, null for the bare id) can be sent
    /// as it is from a connection in <paramref name="region"/>: a profile the model has that the region may call.
    /// </summary>
    public bool AcceptsBedrockProfile(string? prefix, string? region) => prefix switch
    {
        null => BedrockProfile == BedrockProfiles.None,
        BedrockProfiles.GlobalPrefix => OffersProfile(prefix),
        _ => OffersProfile(prefix) && BedrockProfiles.Geographies(region).Contains(prefix),
    };

    private bool OffersProfile(string prefix) => BedrockPrefixes.IsEmpty || BedrockPrefixes.Contains(prefix);
}
