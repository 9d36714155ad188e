using Microsoft.Extensions.Logging;

namespace Gateway.Api.Usage;

/// <summary>Writes each request's usage as one structured log event (no bodies, no secrets).</summary>
public sealed partial class LoggingUsageSink(ILogger<LoggingUsageSink> logger) : IUsageSink
{
    public ValueTask RecordAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        Log(logger, record.RequestId, record.Endpoint, record.Status, record.Outcome, record.KeyId, record.Workspace, record.Provider,
            record.Model, record.Stream, record.InputTokens, record.OutputTokens, record.CacheCreationInputTokens,
            record.CacheReadInputTokens, record.LatencyMs, record.ErrorType);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "{RequestId} {Endpoint} {Status} {Outcome} key={KeyId} workspace={Workspace} provider={Provider} model={Model} stream={Stream} " +
        "input={InputTokens} output={OutputTokens} cache_write={CacheCreationInputTokens} cache_read={CacheReadInputTokens} " +
        "latency_ms={LatencyMs:F1} error={ErrorType}")]
    private static partial void Log(ILogger logger, string requestId, string endpoint, int status, string outcome, string? keyId,
        string? workspace, string? provider, string? model, bool stream, long inputTokens, long outputTokens,
        long cacheCreationInputTokens, long cacheReadInputTokens, double latencyMs, string? errorType);
}
