using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Gateway.Projections.Usage;

namespace Gateway.Projections.Logs;

/// <summary>
/// A row of the request log: one per data-plane request, as the logs API lists it (the SPEC's log row plus outcome and
/// error details). This record declares the <c>request_log</c> table (<see cref="RequestLogTable"/>): each parameter is a
/// column, so a new column is a new parameter here and its value in <see cref="From"/>.
/// </summary>
/// <param name="RequestId">The table's key.</param>
/// <param name="Attempts">Each try at a provider (retries, fallbacks, skipped circuits); null when none was made. Shown
/// only in a request's detail.</param>
/// <param name="Front">The API the client spoke: <c>anthropic</c>, <c>bedrock</c> or <c>vertex</c> (null before fronts were recorded).</param>
/// <param name="UserId">The signed-on user (<c>usr_…</c>) of a request made with an identity provider's token.</param>
public sealed record RequestLogRow(
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
    LogServerToolUse ServerToolUse,
    [property: JsonIgnore] IReadOnlyList<LogAttempt>? Attempts,
    string? Front,
    string? UserId)
{
    /// <summary>The row a usage event makes, booked at <paramref name="cost"/> (the event's cost, or re-priced).</summary>
    public static RequestLogRow From(UsageRecorded usage, decimal? cost) => new(
        usage.RequestId,
        usage.StartedAt.ToUniversalTime(),
        usage.Endpoint,
        usage.Workspace,
        usage.KeyId,
        usage.Model,
        usage.Provider,
        usage.Status,
        usage.Outcome,
        usage.Stream,
        usage.ErrorType,
        usage.ErrorMessage,
        usage.StopReason,
        cost,
        usage.PriceVersion,
        usage.PriceMissing,
        usage.InputTokens,
        usage.OutputTokens,
        usage.CacheCreationInputTokens,
        usage.CacheReadInputTokens,
        usage.LatencyMs,
        usage.TimeToFirstByteMs,
        usage.Metadata,
        new LogServerToolUse(usage.WebSearchRequests, usage.WebFetchRequests, usage.CodeExecutionRequests),
        usage.Attempts.IsDefaultOrEmpty
            ? null
            : [.. usage.Attempts.Select(a => new LogAttempt(a.Provider, a.Model, a.Status, a.Outcome, a.ErrorType, a.LatencyMs))],
        usage.Front,
        usage.UserId);

    /// <summary>The tries to show: the recorded ones, or — for a request recorded before attempts were — the row itself.</summary>
    public IReadOnlyList<LogAttempt> AttemptsOrSelf() => Attempts is { Count: > 0 } attempts
        ? attempts
        : [new LogAttempt(Provider, Model, Status, Outcome, ErrorType, LatencyMs)];
}

/// <summary>Server tool uses billed per use (Anthropic's <c>usage.server_tool_use</c>, and code runs).</summary>
public sealed record LogServerToolUse(long WebSearchRequests, long WebFetchRequests, long CodeExecutionRequests);

/// <summary>One try at a provider, as a log entry's <c>attempts</c> lists it.</summary>
public sealed record LogAttempt(string? Provider, string? Model, int Status, string Outcome, string? ErrorType, double LatencyMs);
