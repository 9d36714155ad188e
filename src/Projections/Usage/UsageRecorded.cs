using System.Collections.Immutable;

namespace Gateway.Projections.Usage;

/// <summary>
/// The usage ledger's event: one per data-plane request the gateway answered or refused, in its own stream (the
/// request id). Appended before the client sees the end of the response; budgets are rebuilt from these.
/// </summary>
public sealed record UsageRecorded
{
    public required string RequestId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary><see cref="StartedAt"/> in Unix milliseconds: the instant budgets count the request at (indexed).</summary>
    public long StartedAtMs { get; init; }
    public required string Endpoint { get; init; }

    /// <summary>The API the client spoke (<see cref="UsageFronts"/>); null in events recorded before fronts were.</summary>
    public string? Front { get; init; }
    public string? KeyId { get; init; }

    /// <summary>The signed-on user (<c>usr_…</c>) the request was admitted for; null for a gateway key's request.</summary>
    public string? UserId { get; init; }
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

    /// <summary>Server tool uses billed with a fee (<see cref="Models.ServerToolPrices"/>): web searches, web fetches, code runs.</summary>
    public long WebSearchRequests { get; init; }
    public long WebFetchRequests { get; init; }
    public long CodeExecutionRequests { get; init; }

    /// <summary>The server tool uses as one value.</summary>
    public Models.ServerToolUses ServerToolUses() => new(WebSearchRequests, WebFetchRequests, CodeExecutionRequests);

    /// <summary>How the tokens were counted when not as the provider reported them (<see cref="UsageBilling"/>); null otherwise.</summary>
    public string? Billing { get; init; }

    /// <summary>Exact cost in USD (tokens and server tool fees); null when the model has no known price (<see cref="PriceMissing"/>).</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>The price table version (and provider override) the cost was computed with.</summary>
    public string? PriceVersion { get; init; }

    public bool PriceMissing { get; init; }

    /// <summary>What the budgets held for the request before it ran (its upper bound), when a budget applied.</summary>
    public decimal? ReservedUsd { get; init; }
    public double LatencyMs { get; init; }
    public double? TimeToFirstByteMs { get; init; }
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Every try at a provider target, in order (retries, fallbacks, skipped open circuits); empty when none was made.</summary>
    public ImmutableArray<UsageAttempt> Attempts { get; init; } = [];
}

/// <summary>One try at a provider target: which, with what model id, and how it ended.</summary>
/// <param name="Model">The provider's own model id (e.g. a Bedrock inference profile).</param>
/// <param name="Outcome">A <see cref="UsageOutcomes"/> name, or <c>skipped_circuit_open</c>.</param>
public sealed record UsageAttempt(string Provider, string? Model, int Status, string Outcome, string? ErrorType, double LatencyMs);

/// <summary>How a request's tokens were counted when the provider's final count never arrived (<see cref="UsageRecorded.Billing"/>).</summary>
public static class UsageBilling
{
    /// <summary>The stream stopped early: output is the bytes of output streamed (at most <c>max_tokens</c>).</summary>
    public const string OutputSeen = "output_seen";

    /// <summary>The client left with no usage seen: the request's reservation bound.</summary>
    public const string Reservation = "reservation";
}

/// <summary>Endpoint names used in <see cref="UsageRecorded.Endpoint"/>.</summary>
public static class UsageEndpoints
{
    public const string Messages = "messages";
    public const string CountTokens = "count_tokens";

    /// <summary>The endpoint a Messages API request shape is recorded as.</summary>
    public static string Of(bool countTokens) => countTokens ? CountTokens : Messages;
}

/// <summary>The APIs a client may speak to the gateway, as <see cref="UsageRecorded.Front"/> names them.</summary>
public static class UsageFronts
{
    /// <summary>The Anthropic Messages API (<c>/v1/messages</c>).</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Bedrock's InvokeModel API (<c>/bedrock/model/…</c>).</summary>
    public const string Bedrock = "bedrock";

    /// <summary>Vertex AI's Anthropic publisher endpoints (<c>/vertex/v1/…</c>).</summary>
    public const string Vertex = "vertex";
}

/// <summary>Outcome names used in <see cref="UsageRecorded.Outcome"/>.</summary>
public static class UsageOutcomes
{
    public const string Completed = "completed";
    public const string Refused = "refused";
    public const string ProviderError = "provider_error";
    public const string ProviderFailed = "provider_failed";
    public const string ProviderTimeout = "provider_timeout";
    public const string ClientDisconnected = "client_disconnected";

    /// <summary>An attempt not made: the target's circuit was open and another target could serve.</summary>
    public const string SkippedCircuitOpen = "skipped_circuit_open";
}
