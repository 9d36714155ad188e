using System.Collections.Immutable;

namespace Gateway.Api.Logs;

/// <summary>A request as the logs API lists it (SPEC log row, plus outcome and error details).</summary>
public sealed record LogRow(
    string RequestId,
    DateTimeOffset CreatedAt,
    string Endpoint,
    string? Workspace,
    string? KeyId,
    string? Model,
    string? Provider,
    int Status,
    string Outcome,
    bool Stream,
    string? ErrorType,
    string? ErrorMessage,
    string? StopReason,
    decimal? CostUsd,
    string? PriceVersion,
    bool PriceMissing,
    long InputTokens,
    long OutputTokens,
    long CacheCreationInputTokens,
    long CacheReadInputTokens,
    double LatencyMs,
    double? TimeToFirstByteMs,
    ImmutableDictionary<string, string> Metadata,
    LogServerToolUse ServerToolUse);

/// <summary>Server tool uses billed per use (Anthropic's <c>usage.server_tool_use</c>, and code runs).</summary>
public sealed record LogServerToolUse(long WebSearchRequests, long WebFetchRequests, long CodeExecutionRequests);
