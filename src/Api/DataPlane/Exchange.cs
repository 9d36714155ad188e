using System.Collections.Immutable;
using System.Diagnostics;
using Gateway.Api.Errors;
using Gateway.Api.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>What is known of one data-plane request so far; becomes its <see cref="UsageRecord"/>.</summary>
internal sealed class Exchange(HttpContext context, string endpoint)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private long? _firstByte;

    public HttpContext Context { get; } = context;
    public string Endpoint { get; } = endpoint;
    public string? KeyId { get; set; }
    public string? Workspace { get; set; }
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public bool Stream { get; set; }
    public ImmutableDictionary<string, string> Metadata { get; set; } = ImmutableDictionary<string, string>.Empty;

    public void MarkFirstByte() => _firstByte = Stopwatch.GetTimestamp();

    /// <param name="usage">Usage read from the answer, when there was one; its error (an SSE error event) wins.</param>
    public UsageRecord ToRecord(int status, string outcome, string? errorType = null, string? errorMessage = null, UsageMeter? usage = null) => new()
    {
        RequestId = RequestIds.Get(Context) ?? "",
        StartedAt = _startedAt,
        Endpoint = Endpoint,
        KeyId = KeyId,
        Workspace = Workspace,
        Provider = Provider,
        Model = Model,
        Stream = Stream,
        Status = status,
        Outcome = outcome,
        ErrorType = usage?.ErrorType ?? errorType,
        ErrorMessage = usage?.ErrorMessage ?? errorMessage,
        InputTokens = usage?.InputTokens ?? 0,
        OutputTokens = usage?.OutputTokens ?? 0,
        CacheCreationInputTokens = usage?.CacheCreationInputTokens ?? 0,
        CacheCreation5mInputTokens = usage?.CacheCreation5mInputTokens,
        CacheCreation1hInputTokens = usage?.CacheCreation1hInputTokens,
        CacheReadInputTokens = usage?.CacheReadInputTokens ?? 0,
        StopReason = usage?.StopReason,
        LatencyMs = Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
        TimeToFirstByteMs = _firstByte is { } first ? Stopwatch.GetElapsedTime(_started, first).TotalMilliseconds : null,
        Metadata = Metadata,
    };
}
