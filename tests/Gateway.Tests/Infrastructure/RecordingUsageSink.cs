using System.Collections.Concurrent;
using Gateway.Api.Usage;
using Gateway.Projections.Usage;

namespace Gateway.Tests.Infrastructure;

/// <summary>Keeps every usage record the gateway produced, for assertions.</summary>
public sealed class RecordingUsageSink : IUsageSink
{
    private readonly ConcurrentDictionary<string, UsageRecorded> _records = new();

    public ValueTask RecordAsync(UsageRecorded record, CancellationToken cancellationToken)
    {
        _records[record.RequestId] = record;
        return ValueTask.CompletedTask;
    }

    /// <summary>The first record matching <paramref name="match"/>, waiting up to 10 s for it (for requests whose id the client never saw).</summary>
    public async Task<UsageRecorded> WaitForAsync(Func<UsageRecorded, bool> match)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(50))
        {
            if (_records.Values.FirstOrDefault(match) is { } record)
            {
                return record;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("No matching usage record within 10 s.");
            }
        }
    }

    /// <summary>The record of a request, waiting briefly for it (streams record as they end).</summary>
    public async Task<UsageRecorded> WaitForAsync(string requestId)
    {
        for (var i = 0; i < 100; i++)
        {
            if (_records.TryGetValue(requestId, out var record))
            {
                return record;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"No usage record for {requestId}.");
    }
}
