using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Gateway.Api.Usage;
using Gateway.Fakes;
using Gateway.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real gateway in this process — Kestrel on a loopback port, an Orleans silo with ADO.NET clustering and
/// storage on its own fresh database — in front of a <see cref="FakeAnthropic"/>.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string AllowedOrigin = "https://addin.example.com";
    private WebApplication? _app;

    public FakeAnthropic Fake { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public RecordingUsageSink Usage { get; } = new();
    public string ConnectionString { get; private set; } = "";
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        Fake = await FakeAnthropic.StartAsync();
        ConnectionString = await TestPostgres.CreateDatabaseAsync("gw");
        _app = await StartGatewayAsync(ConnectionString, services => services.AddSingleton<IUsageSink>(Usage));
        BaseUrl = Address(_app);
        Admin = new HttpClient { BaseAddress = BaseUrl };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        Client = new HttpClient { BaseAddress = BaseUrl };
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Fake is not null)
        {
            await Fake.DisposeAsync();
        }
    }

    /// <summary>Starts a gateway on <paramref name="connectionString"/> (another fixture's database joins its cluster).</summary>
    public static async Task<WebApplication> StartGatewayAsync(string connectionString, Action<IServiceCollection>? configure = null,
        string clusterId = "test", bool runsProjections = true, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
            ["GATEWAY_ENCRYPTION_KEY"] = TestEncryptionKey,
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Gateway:Cors:AllowedOrigins:0"] = AllowedOrigin,
            // Short enough that circuit and retry tests do not wait for production pacing.
            ["Gateway:Routing:BreakerFailures"] = "3",
            ["Gateway:Routing:BreakerOpenFor"] = "00:00:03",
            ["Gateway:Routing:RetryBaseDelay"] = "00:00:00.020",
            ["Gateway:Routing:MaxRetryAfter"] = "00:00:02",
            // The tests' OpenID Connect issuers (FakeOidcIssuer) serve plain http on loopback.
            ["Gateway:Identity:AllowHttpIssuers"] = "true",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        configure?.Invoke(builder.Services);
        var gatewaySettings = new GatewaySettings
        {
            ConnectionString = connectionString,
            DataDirectory = Path.Combine(Path.GetTempPath(), "gateway-test-data"),
            ClusterId = clusterId,
            RunsProjections = runsProjections,
        };
        var app = await GatewayHost.BuildAsync(builder, gatewaySettings, NullLogger.Instance);
        await app.StartAsync();
        return app;
    }

    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static readonly string TestEncryptionKey = Convert.ToBase64String(SHA256.HashData("gateway tests"u8));

    /// <summary>A workspace with its own provider connection (to the fake) and one key.</summary>
    public async Task<Tenant> CreateTenantAsync(JsonObject? keyFields = null, JsonObject? workspaceFields = null)
    {
        var id = "ws-" + Guid.NewGuid().ToString("N")[..10];
        var workspace = workspaceFields?.DeepClone().AsObject() ?? [];
        workspace["id"] = id;
        workspace["name"] = id;
        await PostAsync("/admin/v1/workspaces", workspace);
        var provider = "p-" + id;
        await PostAsync("/admin/v1/providers", new JsonObject
        {
            ["slug"] = provider,
            ["kind"] = "anthropic",
            ["base_url"] = Fake.BaseUrl.ToString(),
            ["credentials"] = new JsonObject { ["api_key"] = Fake.ApiKey },
            ["workspaces"] = new JsonArray(id),
        });
        var key = await CreateKeyAsync(id, keyFields);
        return new Tenant(id, provider, key.Id, key.Secret);
    }

    public async Task<(string Id, string Secret)> CreateKeyAsync(string workspace, JsonObject? fields = null)
    {
        var body = fields?.DeepClone().AsObject() ?? [];
        body["workspace"] = workspace;
        body["name"] ??= "test key";
        var created = await PostAsync("/admin/v1/keys", body);
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    /// <summary>POSTs to the admin API and returns the JSON answer, failing the test on a non-2xx status.</summary>
    public Task<JsonObject> PostAsync(string path, JsonObject body) => PostAsync(Admin, path, body);

    /// <summary>POSTs to the admin API of any gateway through <paramref name="admin"/> (a client with the admin token).</summary>
    public static async Task<JsonObject> PostAsync(HttpClient admin, string path, JsonObject body)
    {
        using var response = await admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} -> {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}

/// <summary>A test's own workspace, provider and key.</summary>
public sealed record Tenant(string Workspace, string Provider, string KeyId, string Secret);

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
