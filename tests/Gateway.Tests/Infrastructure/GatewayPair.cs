using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Fakes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Two gateway processes in one cluster on a fresh database, ready, with an admin client on the first and a data-plane
/// client on each: for behaviour that must hold on every process.
/// </summary>
public sealed class GatewayPair : IAsyncDisposable
{
    private readonly GatewayProcess _a;
    private readonly GatewayProcess _b;

    private GatewayPair(GatewayProcess a, GatewayProcess b, string adminToken)
    {
        _a = a;
        _b = b;
        Admin = new HttpClient { BaseAddress = a.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        ClientA = new HttpClient { BaseAddress = a.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        ClientB = new HttpClient { BaseAddress = b.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Admin { get; }
    public HttpClient ClientA { get; }
    public HttpClient ClientB { get; }

    /// <summary>Starts both processes (named after <paramref name="name"/>, with <paramref name="settings"/> added) and waits until both are ready.</summary>
    public static async Task<GatewayPair> StartAsync(string name, string adminToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = GatewayProcess.Environment(await TestPostgres.CreateDatabaseAsync(name), adminToken, name);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var a = GatewayProcess.Start(environment);
        var b = GatewayProcess.Start(environment);
        var pair = new GatewayPair(a, b, adminToken);
        try
        {
            await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>Workspace <c>team</c> and a provider <c>direct</c> (open to every workspace) to <paramref name="anthropic"/>.</summary>
    public async Task CreateTeamAsync(FakeAnthropic anthropic)
    {
        await GatewayFixture.PostAsync(Admin, "/admin/v1/workspaces", new JsonObject { ["id"] = "team" });
        await GatewayFixture.PostAsync(Admin, "/admin/v1/providers", new JsonObject
        {
            ["slug"] = "direct",
            ["kind"] = "anthropic",
            ["base_url"] = anthropic.BaseUrl.ToString(),
            ["credentials"] = new JsonObject { ["api_key"] = anthropic.ApiKey },
        });
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        ClientA.Dispose();
        ClientB.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
