namespace Gateway.Api.Usage;

/// <summary>
/// Receives one record per data-plane request. The proxy awaits it before the client receives the end of a
/// response (the JSON body, or <c>message_stop</c> on a stream), so a durable sink can guarantee that every
/// answered request is recorded.
/// </summary>
public interface IUsageSink
{
    ValueTask RecordAsync(UsageRecord record, CancellationToken cancellationToken);
}
