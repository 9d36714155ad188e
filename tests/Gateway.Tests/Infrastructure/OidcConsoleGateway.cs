using System.Net;
using System.Net.Http.Headers;
using Gateway.Fakes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A gateway process whose console signs in through a local OpenID Connect issuer (on <c>localhost</c>, another site
/// than the gateway on 127.0.0.1), with groups mapped to each role, and two workspaces with traffic: A and B. Its
/// output is read by the tests that look for secrets in the logs.
/// </summary>
public sealed class OidcConsoleGateway : IAsyncLifetime
{
    public const string AdminToken = "oidc-console-admin-token-0123456789";
    public const string ClientSecret = "oidc-console-client-secret-0123456789";
    public const string OrgAdmins = "gateway-admins";
    public const string AdminsOfA = "team-a-admins";
    public const string AnalystsOfA = "team-a-analysts";
    public const string AnalystsOfB = "team-b-analysts";

    private GatewayProcess? _process;

    public FakeAnthropic Fake { get; private set; } = null!;
    public FakeOidcIssuer Issuer { get; private set; } = null!;
    public GatewayProcess Process => _process!;
    public Uri BaseUrl => Process.BaseUrl;
    public HttpClient Admin { get; private set; } = null!;
    public string WorkspaceA { get; } = "ws-a-" + Guid.NewGuid().ToString("N")[..8];
    public string WorkspaceB { get; } = "ws-b-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A request logged in B, with a phrase of its prompt (<see cref="PhraseOfB"/>).</summary>
    public string RequestOfB { get; private set; } = "";

    /// <summary>A request logged in A.</summary>
    public string RequestOfA { get; private set; } = "";

    /// <summary>B's key: its id and name.</summary>
    public string KeyOfB { get; private set; } = "";

    public string KeyNameOfB { get; } = "project-b-key-" + Guid.NewGuid().ToString("N")[..8];

    public string PhraseOfB { get; } = "confidential walrus " + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        Fake = await FakeAnthropic.StartAsync();
        Issuer = await FakeOidcIssuer.StartAsync("localhost");
        Issuer.ClientSecret = ClientSecret;
        var environment = GatewayProcess.Environment(await TestPostgres.CreateDatabaseAsync("oidcconsole"), AdminToken, "oidcconsole");
        environment["Gateway__Identity__AllowHttpIssuers"] = "true";
        environment["Gateway__Console__SignIn__Authority"] = Issuer.Issuer;
        environment["Gateway__Console__SignIn__ClientId"] = Issuer.ClientId;
        environment["Gateway__Console__SignIn__ClientSecret"] = ClientSecret;
        environment["Gateway__Console__SignIn__DisplayName"] = "Example Corp";
        string[][] roles = [[OrgAdmins, "org_admin"], [AdminsOfA, "workspace_admin", WorkspaceA], [AnalystsOfA, "analyst", WorkspaceA],
            [AnalystsOfB, "analyst", WorkspaceB]];
        foreach (var (rule, i) in roles.Select((r, i) => (r, i)))
        {
            environment[$"Gateway__Console__SignIn__Roles__{i}__Group"] = rule[0];
            environment[$"Gateway__Console__SignIn__Roles__{i}__Role"] = rule[1];
            if (rule.Length > 2)
            {
                environment[$"Gateway__Console__SignIn__Roles__{i}__Workspaces__0"] = rule[2];
            }
        }
        _process = GatewayProcess.Start(environment);
        await Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        Admin = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        var (_, secretOfA) = await StandaloneTenant.CreateAsync(BaseUrl, AdminToken, Fake, WorkspaceA);
        (KeyOfB, var secretOfB) = await StandaloneTenant.CreateAsync(BaseUrl, AdminToken, Fake, WorkspaceB,
            new System.Text.Json.Nodes.JsonObject { ["name"] = KeyNameOfB });
        RequestOfA = await SendAsync(secretOfA, "a question of team A");
        RequestOfB = await SendAsync(secretOfB, $"where is the {PhraseOfB}?");
        foreach (var request in new[] { RequestOfA, RequestOfB })
        {
            Assert.True(await Processes.WaitUntilAsync(async () =>
            {
                using var log = await Admin.GetAsync($"/admin/v1/logs/{request}");
                return log.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(60)), $"request {request} was not in the logs within 60 s");
        }
    }

    /// <summary>Who the issuer signs in next.</summary>
    public void SignInNext(string email, params string[] groups) => Issuer.User = new FakeOidcUser("sub-" + email, email, groups);

    public async Task<string> SendAsync(string secret, string prompt)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody(prompt)));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return Requests.RequestId(response);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        if (Issuer is not null)
        {
            await Issuer.DisposeAsync();
        }
        if (Fake is not null)
        {
            await Fake.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class OidcConsoleCollection : ICollectionFixture<OidcConsoleGateway>
{
    public const string Name = "oidc console";
}
