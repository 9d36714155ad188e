using System.ComponentModel;
using System.Text.Json.Serialization;
using Gateway.Projections.Models;

namespace Gateway.Api.Admin;

/// <summary>A model of the catalog as <c>/admin/v1/models</c> shows it, with its prices in USD per million tokens.</summary>
/// <param name="PriceVersion">The price version its prices belong to; null when it has none.</param>
/// <param name="Source"><c>shipped</c> (in the gateway's catalog) or <c>custom</c> (added by an admin).</param>
/// <param name="Overridden">The fields an admin changed on a shipped model.</param>
public sealed record ModelResponse(
    string Id,
    IReadOnlyList<string> Aliases,
    string DisplayName,
    [property: Description("UTC, yyyy-MM-ddTHH:mm:ssZ.")] string CreatedAt,
    string? BedrockId,
    string BedrockProfile,
    IReadOnlyList<string> BedrockProfiles,
    string? VertexId,
    long? ContextWindow,
    long? MaxOutputTokens,
    ModelPrices? Prices,
    IReadOnlyDictionary<string, ModelPrices> ProviderPrices,
    string? PriceVersion,
    string Source,
    IReadOnlyList<string> Overridden)
{
    public static ModelResponse From(ModelEntry model, string priceVersion) => new(
        model.Id, model.Aliases, model.DisplayName, ModelJson.FormatTimestamp(model.CreatedAt), model.BedrockId, model.BedrockProfile,
        model.BedrockPrefixes, model.VertexId, model.ContextWindow, model.MaxOutputTokens,
        model.Price is null ? null : ModelPrices.From(model.Price),
        model.ProviderPrices.ToDictionary(p => p.Key, p => ModelPrices.From(p.Value), StringComparer.Ordinal),
        model.Price is null && model.ProviderPrices.IsEmpty ? null : priceVersion,
        model.Source, model.Overridden);
}

/// <summary>
/// Prices in USD per million tokens. In a request, cache classes left out take 1.25× (5-minute write), 2× (1-hour write)
/// and 0.1× (read) of input; reads show them all. A tier's rates replace all of a request's once its prompt is above the
/// tier's <c>above_input_tokens</c>.
/// </summary>
/// <param name="AboveInputTokens">A tier's threshold (only in <paramref name="Tiers"/>, in ascending order).</param>
public sealed record ModelPrices(
    [property: JsonPropertyOrder(1)] decimal Input,
    [property: JsonPropertyOrder(5)] decimal Output,
    [property: JsonPropertyOrder(2), JsonPropertyName("cache_write_5m")] decimal? CacheWrite5m = null,
    [property: JsonPropertyOrder(3), JsonPropertyName("cache_write_1h")] decimal? CacheWrite1h = null,
    [property: JsonPropertyOrder(4)] decimal? CacheRead = null,
    [property: JsonPropertyOrder(0), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AboveInputTokens = null,
    [property: JsonPropertyOrder(6), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ModelPrices>? Tiers = null)
{
    public static ModelPrices From(ModelPrice price) =>
        Rates(price.Base, null, price.Tiers.IsEmpty ? null : [.. price.Tiers.Select(t => Rates(t.Rates, t.AboveInputTokens, null))]);

    private static ModelPrices Rates(TokenRates rates, long? above, IReadOnlyList<ModelPrices>? tiers) =>
        new(rates.Input, rates.Output, rates.CacheWrite5m, rates.CacheWrite1h, rates.CacheRead, above, tiers);
}

/// <summary>A page of the catalog, with the price version in effect.</summary>
public sealed record ModelListPage(IReadOnlyList<ModelResponse> Data, string? NextCursor, string PriceVersion);

/// <summary>
/// A model definition as <c>POST</c> and <c>PATCH /admin/v1/models</c> take it (checked field by field by the catalog).
/// <c>POST</c> needs <c>id</c> and <c>display_name</c>; on <c>PATCH</c>, only the fields given change, and a field set to null
/// goes back to the shipped value.
/// </summary>
/// <param name="Id">Letters, digits and <c>. _ - : @ /</c>, up to 128 characters.</param>
/// <param name="Alias">One more name (the SPEC's <c>alias</c>), added to <paramref name="Aliases"/>.</param>
/// <param name="BedrockProfile"><c>geo</c>, <c>global</c> or <c>none</c>: which inference profile Bedrock calls the model through.</param>
/// <param name="BedrockProfiles">The inference-profile prefixes the model is offered through (<c>us</c>, <c>eu</c>, <c>global</c>, …).</param>
/// <param name="ProviderPrices">Prices for one provider connection, by its slug (null removes one).</param>
public sealed record ModelDefinition(
    string? Id = null,
    string? Alias = null,
    IReadOnlyList<string>? Aliases = null,
    string? DisplayName = null,
    DateTimeOffset? CreatedAt = null,
    string? BedrockId = null,
    string? BedrockProfile = null,
    IReadOnlyList<string>? BedrockProfiles = null,
    string? VertexId = null,
    long? ContextWindow = null,
    long? MaxOutputTokens = null,
    ModelPrices? Prices = null,
    IReadOnlyDictionary<string, ModelPrices?>? ProviderPrices = null);
