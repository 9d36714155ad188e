using System.Collections.Concurrent;
using Gateway.Grains;
using Gateway.Grains.Providers;

namespace Gateway.Api.Providers;

/// <summary>
/// Provider connections as the front uses them, decrypted here, kept for a second so the request path does not call the
/// provider's grain every time. An admin change made through this process is seen at once; one made through
/// another process of the cluster within <see cref="Lifetime"/>.
/// </summary>
public sealed class ProviderConnections(IGrainFactory grains, ICredentialProtector protector, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, (ProviderConnection? Connection, long Until)> _cache = new();

    public async ValueTask<ProviderConnection?> GetAsync(string slug)
    {
        var now = clock.GetTimestamp();
        if (_cache.TryGetValue(slug, out var entry) && entry.Until > now)
        {
            return entry.Connection;
        }
        var connection = (await grains.Provider(slug).GetConnectionAsync())?.Unseal(protector);
        _cache[slug] = (connection, now + (long)(Lifetime.TotalSeconds * clock.TimestampFrequency));
        return connection;
    }

    /// <summary>Forgets a connection after an admin changed it.</summary>
    public void Invalidate(string slug) => _cache.TryRemove(slug, out _);
}
