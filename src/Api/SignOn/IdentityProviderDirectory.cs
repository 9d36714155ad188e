using System.Collections.Concurrent;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Api.SignOn;

/// <summary>
/// The registered identity providers by issuer, re-read from their grains at most once a second (a change made through
/// this process applies at once), and one OpenID Connect configuration manager per issuer, which caches the issuer's
/// discovery document and signing keys.
/// </summary>
public sealed class IdentityProviderDirectory(IGrainFactory grains, IOptions<SignOnOptions> options, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _configurations = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(IReadOnlyDictionary<string, IdentityProviderView> ByIssuer, DateTimeOffset Until);

    /// <summary>The provider whose issuer is exactly <paramref name="issuer"/>, or null.</summary>
    public async Task<IdentityProviderView?> FindAsync(string issuer)
    {
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Until <= clock.GetUtcNow())
        {
            snapshot = await LoadAsync();
        }
        return snapshot.ByIssuer.GetValueOrDefault(issuer);
    }

    /// <summary>Every registered provider (few: the admin API checks new issuers against them).</summary>
    public async Task<IReadOnlyCollection<IdentityProviderView>> AllAsync() => (await LoadAsync()).ByIssuer.Values.ToList();

    /// <summary>Forgets the cached providers (this process changed one).</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>The configuration manager of an issuer's discovery document and keys.</summary>
    public ConfigurationManager<OpenIdConnectConfiguration> ConfigurationOf(string issuer) => _configurations.GetOrAdd(issuer, address =>
        new ConfigurationManager<OpenIdConnectConfiguration>(
            address.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = !options.Value.AllowHttpIssuers })
        {
            RefreshInterval = options.Value.KeyRefreshInterval,
        });

    private async Task<Snapshot> LoadAsync()
    {
        await _loading.WaitAsync();
        try
        {
            if (_snapshot is { } fresh && fresh.Until > clock.GetUtcNow())
            {
                return fresh;
            }
            var byIssuer = new Dictionary<string, IdentityProviderView>(StringComparer.Ordinal);
            var catalog = grains.Catalog(Catalogs.IdentityProviders);
            for (string? after = null; ;)
            {
                var page = await catalog.ListAsync(after, 200);
                foreach (var view in await Task.WhenAll(page.Ids.Select(slug => grains.IdentityProvider(slug).GetAsync())))
                {
                    if (view is not null)
                    {
                        byIssuer.TryAdd(view.Definition.Issuer, view);
                    }
                }
                if (!page.HasMore)
                {
                    break;
                }
                after = page.Ids[^1];
            }
            var snapshot = new Snapshot(byIssuer, clock.GetUtcNow() + Lifetime);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _loading.Dispose();
    }
}
