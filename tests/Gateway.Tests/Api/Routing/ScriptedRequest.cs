using Gateway.Api.Routing;
using Gateway.Grains.Configs;

namespace Gateway.Tests.Api.Routing;

/// <summary>
/// A routed request whose provider targets answer from a script: each provider's listed failures in turn, then an
/// answer to the client. It keeps every try, every skipped target and whether the client left.
/// </summary>
internal sealed class ScriptedRequest : IRoutedRequest
{
    private readonly Dictionary<string, Queue<AttemptFailure>> _failures = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _client = new();

    public List<(string Provider, TimeSpan Timeout)> Tries { get; } = [];
    public List<string> Skipped { get; } = [];
    public int ClientLeft { get; private set; }
    public TimeSpan Remaining { get; set; } = TimeSpan.FromMinutes(20);
    public CancellationToken ClientAborted => _client.Token;

    /// <summary>The providers tried, in order.</summary>
    public IEnumerable<string> Tried => Tries.Select(t => t.Provider);

    /// <summary><paramref name="provider"/> fails with these, one try each, and answers after them.</summary>
    public ScriptedRequest Failing(string provider, params AttemptFailure[] failures)
    {
        _failures[provider] = new Queue<AttemptFailure>(failures);
        return this;
    }

    public Task<AttemptFailure?> TryAsync(RouteTarget target, TimeSpan timeout)
    {
        Tries.Add((target.Provider!, timeout));
        return Task.FromResult(_failures.TryGetValue(target.Provider!, out var queue) && queue.TryDequeue(out var failure) ? failure : null);
    }

    public void Skip(string provider) => Skipped.Add(provider);

    public Task ClientLeftAsync()
    {
        ClientLeft++;
        return Task.CompletedTask;
    }

    public void Leave() => _client.Cancel();
}
