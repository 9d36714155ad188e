using System.Text.Json.Nodes;
using Gateway.Grains.Providers;

namespace Gateway.Api.Providers;

/// <summary>
/// The model catalog: clients name models by their Anthropic id or alias; each provider kind knows them by its
/// own id (Bedrock <c>anthropic.claude-…-v1:0</c>, reached through a geographic inference profile for the
/// models that need one; Vertex <c>claude-…@date</c>). A connection's <c>model_ids</c> override or extend it.
/// </summary>
public static class ProviderModels
{
    /// <summary>One model as the three kinds name it. <paramref name="BedrockProfile"/>: Bedrock serves it only through an inference profile.</summary>
    public sealed record Entry(string Id, string Alias, string DisplayName, string CreatedAt, string BedrockId, bool BedrockProfile, string VertexId);

    /// <summary>Newest first, like Anthropic's own list. Facts from the providers' published model tables.</summary>
    public static IReadOnlyList<Entry> All { get; } =
    [
        new("claude-opus-4-5-20251101", "claude-opus-4-5", "Claude Opus 4.5", "2025-11-01T00:00:00Z", "anthropic.claude-opus-4-5-20251101-v1:0", true, "claude-opus-4-5@20251101"),
        new("claude-haiku-4-5-20251001", "claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", "anthropic.claude-haiku-4-5-20251001-v1:0", true, "claude-haiku-4-5@20251001"),
        new("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", "anthropic.claude-sonnet-4-5-20250929-v1:0", true, "claude-sonnet-4-5@20250929"),
        new("claude-opus-4-1-20250805", "claude-opus-4-1", "Claude Opus 4.1", "2025-08-05T00:00:00Z", "anthropic.claude-opus-4-1-20250805-v1:0", true, "claude-opus-4-1@20250805"),
        new("claude-opus-4-20250514", "claude-opus-4-0", "Claude Opus 4", "2025-05-14T00:00:00Z", "anthropic.claude-opus-4-20250514-v1:0", true, "claude-opus-4@20250514"),
        new("claude-sonnet-4-20250514", "claude-sonnet-4-0", "Claude Sonnet 4", "2025-05-14T00:00:00Z", "anthropic.claude-sonnet-4-20250514-v1:0", true, "claude-sonnet-4@20250514"),
        new("claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest", "Claude Sonnet 3.7", "2025-02-19T00:00:00Z", "anthropic.claude-3-7-sonnet-20250219-v1:0", true, "claude-3-7-sonnet@20250219"),
        new("claude-3-5-haiku-20241022", "claude-3-5-haiku-latest", "Claude Haiku 3.5", "2024-10-22T00:00:00Z", "anthropic.claude-3-5-haiku-20241022-v1:0", false, "claude-3-5-haiku@20241022"),
        new("claude-3-haiku-20240307", "claude-3-haiku", "Claude Haiku 3", "2024-03-07T00:00:00Z", "anthropic.claude-3-haiku-20240307-v1:0", false, "claude-3-haiku@20240307"),
    ];

    /// <summary>Whether the connection's <c>models</c> list (when it has one) allows the model, by id or alias.</summary>
    public static bool Allows(ProviderConnection provider, string model) =>
        provider.Models is not { Length: > 0 } allowed || allowed.Contains(model)
        || (Find(model) is { } entry && (allowed.Contains(entry.Id) || allowed.Contains(entry.Alias)));

    /// <summary>The catalog entry for an Anthropic id or alias, or null.</summary>
    public static Entry? Find(string model) => All.FirstOrDefault(e => e.Id == model || e.Alias == model);

    /// <summary>
    /// The id <paramref name="provider"/> knows <paramref name="model"/> by; null when neither the connection's
    /// <c>model_ids</c> nor the catalog maps it and it is not already one of the provider's own ids.
    /// </summary>
    public static string? Resolve(ProviderConnection provider, string model)
    {
        if (provider.ModelIds is { } overrides)
        {
            if (overrides.TryGetValue(model, out var mapped))
            {
                return mapped;
            }
            if (Find(model) is { } aliased && (overrides.TryGetValue(aliased.Id, out mapped) || overrides.TryGetValue(aliased.Alias, out mapped)))
            {
                return mapped;
            }
        }
        switch (provider.Kind)
        {
            case ProviderKinds.Bedrock:
                if (Find(model) is { } bedrock)
                {
                    return bedrock.BedrockProfile && GeoProfile(provider.Region) is { } geo ? $"{geo}.{bedrock.BedrockId}" : bedrock.BedrockId;
                }
                // Already a Bedrock id, profile or ARN: the client knows what it wants.
                return model.Contains("anthropic.", StringComparison.Ordinal) || model.StartsWith("arn:", StringComparison.Ordinal) ? model : null;
            case ProviderKinds.Vertex:
                return Find(model)?.VertexId ?? (model.Contains('@') ? model : null);
            default:
                return model;
        }
    }

    /// <summary>The Anthropic ids a Bedrock or Vertex connection serves (its <c>models</c> list narrows them), in list shape.</summary>
    public static IReadOnlyList<JsonObject> Describe(ProviderConnection provider)
    {
        var served = All.Select(e => (e.Id, e.DisplayName, e.CreatedAt)).ToList();
        foreach (var extra in provider.ModelIds?.Keys ?? [])
        {
            if (Find(extra) is null && served.All(s => s.Id != extra))
            {
                served.Add((extra, extra, "1970-01-01T00:00:00Z"));
            }
        }
        return [.. served
            .Where(m => Allows(provider, m.Id))
            .Select(m => new JsonObject { ["type"] = "model", ["id"] = m.Id, ["display_name"] = m.DisplayName, ["created_at"] = m.CreatedAt })];
    }

    /// <summary>Bedrock's cross-region inference profile prefix for a region (us-east-1 → us).</summary>
    public static string? GeoProfile(string? region) => region switch
    {
        null => null,
        _ when region.StartsWith("us-", StringComparison.Ordinal) || region.StartsWith("ca-", StringComparison.Ordinal) => "us",
        _ when region.StartsWith("eu-", StringComparison.Ordinal) => "eu",
        _ when region.StartsWith("ap-", StringComparison.Ordinal) => "apac",
        _ => null,
    };
}
