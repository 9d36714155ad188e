using Gateway.Projections.Usage;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.Usage;

/// <summary>
/// Writes each request's usage as one structured log event (no bodies, no secrets): completed requests at
/// Debug (the ledger is their record; a console line per request would cost more than the proxying), refusals
/// and provider errors at Information, provider failures and timeouts at Warning.
/// </summary>
public sealed partial class LoggingUsageSink(ILogger<LoggingUsageSink> logger) : IUsageSink
{
    public ValueTask RecordAsync(UsageRecorded record, CancellationToken cancellationToken)
    {
        var level = record.Outcome switch
        {
            UsageOutcomes.Completed => LogLevel.Debug,
            UsageOutcomes.ProviderFailed or UsageOutcomes.ProviderTimeout => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        if (logger.IsEnabled(level))
        {
            Log(logger, level, record.RequestId, record.Endpoint, record.Status, record.Outcome, record.KeyId, record.Workspace,
                record.Provider, record.Model, record.Stream, record.InputTokens, record.OutputTokens, record.CacheCreationInputTokens,
                record.CacheReadInputTokens, record.LatencyMs, record.ErrorType, record.ErrorMessage);
        }
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Message =
        "{RequestId} {Endpoint} {Status} {Outcome} key={KeyId} workspace={Workspace} provider={Provider} model={Model} stream={Stream} " +
        "input={InputTokens} output={OutputTokens} cache_write={CacheCreationInputTokens} cache_read={CacheReadInputTokens} " +
        "latency_ms={LatencyMs:F1} error={ErrorType} {ErrorMessage}")]
    private static partial void Log(ILogger logger, LogLevel level, string requestId, string endpoint, int status, string outcome, string? keyId,
        string? workspace, string? provider, string? model, bool stream, long inputTokens, long outputTokens,
        long cacheCreationInputTokens, long cacheReadInputTokens, double latencyMs, string? errorType, string? errorMessage);
}
