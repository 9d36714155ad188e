using System.Text.Json.Nodes;
using Gateway.Grains.Providers;
using Gateway.Projections.Models;

namespace Gateway.Api.Providers;

/// <summary>
/// What a provider connection calls a model: clients may name a model by any spelling the catalog knows (Anthropic
/// id or alias, Bedrock id or inference profile, Vertex id); each provider kind gets its own id for it. A
/// connection's <c>model_ids</c> override or extend the catalog.
/// </summary>
public static class ProviderModels
{
    /// <summary>Whether the connection's <c>models</c> list (when it has one) allows the model, by any of its names.</summary>
    public static bool Allows(ModelCatalog catalog, ProviderConnection provider, string model)
    {
        if (provider.Models is not { Length: > 0 } allowed || allowed.Contains(model))
        {
            return true;
        }
        return catalog.Find(model) is { } match && allowed.Any(name => catalog.Find(name)?.Model.Id == match.Model.Id);
    }

    /// <summary>
    /// The id <paramref name="provider"/> knows <paramref name="model"/> by; null when neither the connection's
    /// <c>model_ids</c> nor the catalog maps it for that kind and it is not already one of the kind's own ids.
    /// </summary>
    public static string? Resolve(ModelCatalog catalog, ProviderConnection provider, string model)
    {
        var match = catalog.Find(model);
        if (provider.ModelIds is { } overrides)
        {
            if (overrides.TryGetValue(model, out var mapped))
            {
                return mapped;
            }
            if (match is { } named && Names(named.Model).FirstOrDefault(overrides.ContainsKey) is { } name)
            {
                return overrides[name];
            }
        }
        switch (provider.Kind)
        {
            case ProviderKinds.Bedrock:
                if (match is { } bedrock)
                {
                    // The client's own Bedrock spelling stands when this connection's region may call that profile.
                    return bedrock.Spelling == ModelSpelling.Bedrock && bedrock.Model.AcceptsBedrockProfile(bedrock.BedrockPrefix, provider.Region)
                        ? model
                        : bedrock.Model.BedrockIdFor(provider.Region);
                }
                // A Bedrock id, profile or ARN the catalog does not know: the client knows what it wants.
                return model.Contains("anthropic.", StringComparison.Ordinal) || model.StartsWith("arn:", StringComparison.Ordinal) ? model : null;
            case ProviderKinds.Vertex:
                return match is { } vertex ? vertex.Model.VertexId : model.Contains('@') ? model : null;
            default:
                // Anthropic resolves its own ids and aliases; a cloud's spelling becomes the Anthropic id.
                return match is { Spelling: not ModelSpelling.Anthropic } cloud ? cloud.Model.Id : model;
        }
    }

    /// <summary>The models a Bedrock or Vertex connection serves (its <c>models</c> list narrows them), in Anthropic's list shape.</summary>
    public static IReadOnlyList<JsonObject> Describe(ModelCatalog catalog, ProviderConnection provider)
    {
        var served = catalog.Models
            .Where(m => (provider.Kind == ProviderKinds.Bedrock ? m.BedrockId is not null : m.VertexId is not null)
                || Names(m).Any(n => provider.ModelIds?.ContainsKey(n) == true))
            .Select(Describe)
            .ToList();
        foreach (var extra in provider.ModelIds?.Keys ?? [])
        {
            if (catalog.Find(extra) is null)
            {
                served.Add(new JsonObject { ["type"] = "model", ["id"] = extra, ["display_name"] = extra, ["created_at"] = "1970-01-01T00:00:00Z" });
            }
        }
        return [.. served.Where(m => Allows(catalog, provider, m["id"]!.GetValue<string>()))];
    }

    /// <summary>A catalogued model in Anthropic's <c>/v1/models</c> shape, with its context window and largest output.</summary>
    public static JsonObject Describe(ModelEntry model)
    {
        var json = new JsonObject
        {
            ["type"] = "model",
            ["id"] = model.Id,
            ["display_name"] = model.DisplayName,
            ["created_at"] = ModelJson.FormatTimestamp(model.CreatedAt),
        };
        if (model.ContextWindow is { } context)
        {
            json["max_input_tokens"] = context;
        }
        if (model.MaxOutputTokens is { } output)
        {
            json["max_tokens"] = output;
        }
        return json;
    }

    /// <summary>Every name of a model a connection's <c>model_ids</c> may be keyed by.</summary>
    private static IEnumerable<string> Names(ModelEntry model) => [model.Id, .. model.Aliases];
}
