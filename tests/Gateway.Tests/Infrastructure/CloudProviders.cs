using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Gateway.Fakes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Fake Bedrock (SigV4-checking, event-stream answering), fake Vertex with its fake Google token endpoint, and a
/// second Anthropic fake that tests can make fail — shared by the routing and provider tests of one collection.
/// </summary>
public sealed class CloudProviders : IAsyncLifetime
{
    public FakeBedrock Bedrock { get; private set; } = null!;
    public FakeGoogleOAuth OAuth { get; private set; } = null!;
    public FakeVertex Vertex { get; private set; } = null!;
    public string ServiceAccountJson { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Bedrock = await FakeBedrock.StartAsync(new FakeBedrockOptions { SessionToken = "fake-session-token", ApiKey = "bedrock-api-key-fake" });
        OAuth = await FakeGoogleOAuth.StartAsync();
        ServiceAccountJson = OAuth.CreateServiceAccountJson("fake-project");
        Vertex = await FakeVertex.StartAsync(OAuth);
    }

    public async Task DisposeAsync()
    {
        await Bedrock.DisposeAsync();
        await Vertex.DisposeAsync();
        await OAuth.DisposeAsync();
    }

    /// <summary>Creates a provider connection of <paramref name="kind"/> to its fake, open to <paramref name="workspace"/>; returns its slug.</summary>
    public async Task<string> CreateProviderAsync(GatewayFixture gateway, string kind, string workspace, FakeAnthropic? anthropic = null, JsonObject? extra = null)
    {
        var slug = $"{kind}-{Guid.NewGuid():N}"[..20];
        var body = kind switch
        {
            "bedrock" => new JsonObject
            {
                ["kind"] = "bedrock",
                ["base_url"] = Bedrock.BaseUrl.ToString(),
                ["region"] = Bedrock.Options.Region,
                ["credentials"] = new JsonObject
                {
                    ["access_key_id"] = Bedrock.Options.AccessKeyId,
                    ["secret_access_key"] = Bedrock.Options.SecretAccessKey,
                    ["session_token"] = Bedrock.Options.SessionToken,
                },
            },
            "vertex" => new JsonObject
            {
                ["kind"] = "vertex",
                ["base_url"] = Vertex.BaseUrl.ToString(),
                ["region"] = Vertex.Region,
                ["credentials"] = new JsonObject { ["service_account_json"] = ServiceAccountJson },
            },
            _ => new JsonObject
            {
                ["kind"] = "anthropic",
                ["base_url"] = (anthropic ?? gateway.Fake).BaseUrl.ToString(),
                ["credentials"] = new JsonObject { ["api_key"] = (anthropic ?? gateway.Fake).ApiKey },
            },
        };
        body["slug"] = slug;
        body["workspaces"] = new JsonArray(workspace);
        foreach (var (name, value) in extra ?? [])
        {
            body[name] = value?.DeepClone();
        }
        await gateway.PostAsync("/admin/v1/providers", body);
        return slug;
    }

    /// <summary>A workspace whose key routes through <paramref name="config"/>, built from the workspace's name.</summary>
    public static async Task<(string Workspace, string Secret)> CreateRoutedKeyAsync(GatewayFixture gateway, Func<string, Task<JsonObject>> config)
    {
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        var slug = "cfg-" + workspace;
        await gateway.PostAsync("/admin/v1/configs", new JsonObject { ["slug"] = slug, ["workspace"] = workspace, ["config"] = await config(workspace) });
        var (_, secret) = await gateway.CreateKeyAsync(workspace, new JsonObject { ["config"] = slug });
        return (workspace, secret);
    }

    /// <summary>A workspace whose key goes to one new provider of <paramref name="kind"/>.</summary>
    public async Task<(string Workspace, string Provider, string Secret)> CreateSingleAsync(GatewayFixture gateway, string kind)
    {
        string provider = "";
        var (workspace, secret) = await CreateRoutedKeyAsync(gateway, async ws =>
        {
            provider = await CreateProviderAsync(gateway, kind, ws);
            return new JsonObject { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + provider }) };
        });
        return (workspace, provider, secret);
    }

    /// <summary>An http URL on which nothing listens (connections are refused).</summary>
    public static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
