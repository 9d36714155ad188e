using System.Text.Json;

namespace Gateway.Projections.Logs;

/// <summary>
/// What a request said and what it was answered (the streamed answer assembled into the final message), as the
/// workspace's logging policy allows: absent under <c>metadata_only</c>, masked under <c>redacted</c>. Written after
/// the request's <c>UsageRecorded</c>, off the request's path; removed with its projected row once it expires.
/// </summary>
public sealed record RequestContentRecorded
{
    public required string RequestId { get; init; }
    public string? Workspace { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Unix milliseconds after which retention removes the bodies; null: kept until deleted.</summary>
    public long? ExpiresAtMs { get; init; }

    /// <summary>True when the workspace's redaction patterns were applied.</summary>
    public bool Redacted { get; init; }

    /// <summary>The request body as received (JSON), or null when it was not JSON or too large (<see cref="Omitted"/>).</summary>
    public JsonElement? Request { get; init; }

    /// <summary>The final message (or the error the client got), or null when there was none or it was too large.</summary>
    public JsonElement? Response { get; init; }

    /// <summary>Why a body is missing, when one is.</summary>
    public string? Omitted { get; init; }
}
