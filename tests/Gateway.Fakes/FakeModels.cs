using System.Text.Json.Nodes;

namespace Gateway.Fakes;

/// <summary>The models the fake knows, newest first, with Anthropic's aliases.</summary>
public static class FakeModels
{
    public sealed record Model(string Id, string DisplayName, string CreatedAt, string Alias)
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
        new("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01T00:00:00Z", "claude-opus-4-5"),
        new("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", "claude-haiku-4-5"),
        new("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", "claude-sonnet-4-5"),
        new("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", "claude-opus-4-1"),
        new("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z", "claude-sonnet-4-0"),
        new("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z", "claude-3-5-haiku-latest"),
        // A real model the shipped price table leaves out, for the missing-price paths.
        new("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07T00:00:00Z", "claude-3-haiku"),
    ];

    /// <summary>The model an id or alias names, or null when the fake (like Anthropic) does not know it.</summary>
    public static Model? Resolve(string idOrAlias) => All.FirstOrDefault(m => m.Id == idOrAlias || m.Alias == idOrAlias);
}
