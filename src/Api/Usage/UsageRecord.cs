using System.Collections.Immutable;

namespace Gateway.Api.Usage;

/// <summary>What the gateway knows of one data-plane request once it is answered (or refused).</summary>
public sealed record UsageRecord
{
    public required string RequestId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Endpoint { get; init; }
    public string? KeyId { get; init; }
    public string? Workspace { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public bool Stream { get; init; }

    /// <summary>HTTP status the client got (200 for a stream that started).</summary>
    public int Status { get; init; }

    /// <summary><c>completed</c>, <c>refused</c>, <c>provider_error</c>, <c>provider_failed</c>, <c>provider_timeout</c>, <c>client_disconnected</c>.</summary>
    public required string Outcome { get; init; }

    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheCreationInputTokens { get; init; }
    public long? CacheCreation5mInputTokens { get; init; }
    public long? CacheCreation1hInputTokens { get; init; }
    public long CacheReadInputTokens { get; init; }
    public string? StopReason { get; init; }
    public double LatencyMs { get; init; }
    public double? TimeToFirstByteMs { get; init; }
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>Outcome names used in <see cref="UsageRecord.Outcome"/>.</summary>
public static class UsageOutcomes
{
    public const string Completed = "completed";
    public const string Refused = "refused";
    public const string ProviderError = "provider_error";
    public const string ProviderFailed = "provider_failed";
    public const string ProviderTimeout = "provider_timeout";
    public const string ClientDisconnected = "client_disconnected";
}
