using System.Text.Json.Nodes;

namespace Gateway.Fakes;

/// <summary>
/// The models the fake providers know, newest first, with Anthropic's aliases and the ids Bedrock (without its
/// inference-profile prefix) and Vertex AI give them: each fake answers only to its own cloud's ids.
/// </summary>
public static class FakeModels
{
    public sealed record Model(string Id, string DisplayName, string CreatedAt, string? Alias, string BedrockId, string VertexId)
    {
        public JsonObject ToJson() => new()
        {
            ["type"] = "model",
            ["id"] = Id,
            ["display_name"] = DisplayName,
            ["created_at"] = CreatedAt,
        };
    }

    public static IReadOnlyList<Model> All { get; } =
    [
        new("claude-haiku-5-5", "Claude Haiku 5.5", "2026-10-07T00:00:00Z", null, "anthropic.claude-haiku-5-5", "claude-haiku-5-5"),
        new("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-28T00:00:00Z", null, "anthropic.claude-sonnet-5-5", "claude-sonnet-5-5"),
        new("claude-opus-5-5", "Claude Opus 5.5", "2026-09-22T00:00:00Z", null, "anthropic.claude-opus-5-5", "claude-opus-5-5"),
        new("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z", null, "anthropic.claude-sonnet-4-6", "claude-sonnet-4-6"),
        new("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z", "claude-opus-4-5", "anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5@20251101"),
        new("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z", "claude-haiku-4-5", "anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5@20251001"),
        new("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", "claude-sonnet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5@20250929"),
        new("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", "claude-opus-4-1", "anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1@20250805"),
        new("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z", "claude-sonnet-4-0", "anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4@20250514"),
        // A real (retired) model the shipped catalog and prices leave out, for the unknown-model and missing-price paths.
        new("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07T00:00:00Z", "claude-3-haiku", "anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku@20240307"),
    ];

    /// <summary>The model an id or alias names, or null when the fake (like Anthropic) does not know it.</summary>
    public static Model? Resolve(string idOrAlias) => All.FirstOrDefault(m => m.Id == idOrAlias || m.Alias == idOrAlias);

    /// <summary>The model a Bedrock foundation-model id (profile prefix removed) names, or null.</summary>
    public static Model? ResolveBedrock(string foundationId) => All.FirstOrDefault(m => m.BedrockId == foundationId);

    /// <summary>The model a Vertex AI id names, or null.</summary>
    public static Model? ResolveVertex(string vertexId) => All.FirstOrDefault(m => m.VertexId == vertexId);
}
