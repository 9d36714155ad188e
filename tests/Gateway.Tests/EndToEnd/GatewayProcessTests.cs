using System.Net;
using System.Net.Http.Headers;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.EndToEnd;

/// <summary>The gateway as operators run it: separate processes, the embedded database, Ctrl+C, two silos.</summary>
public sealed class GatewayProcessTests : IAsyncLifetime
{
    private const string AdminToken = "e2e-admin-token";
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Quick_start_serves_on_its_own_postgres_stops_cleanly_on_ctrl_c_and_reuses_its_data()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-e2e-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_DATA_DIR"] = dataDirectory,
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
        };
        string secret;
        await using (var first = GatewayProcess.Start(environment))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            Assert.NotEmpty(Processes.PostgresServing(dataDirectory));

            secret = await CreateKeyAsync(first.BaseUrl, "ws-e2e");
            await AssertAnswersAsync(first.BaseUrl, secret);

            Assert.Equal(0, await first.InterruptAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.True(await Processes.WaitUntilAsync(() => Processes.PostgresServing(dataDirectory).Count == 0, TimeSpan.FromSeconds(5)),
            "a PostgreSQL process outlived the gateway");

        await using (var second = GatewayProcess.Start(environment))
        {
            await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            // Same workspace, provider and key as before the restart: the data was kept.
            await AssertAnswersAsync(second.BaseUrl, secret);
            Assert.Equal(0, await second.InterruptAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.True(await Processes.WaitUntilAsync(() => Processes.PostgresServing(dataDirectory).Count == 0, TimeSpan.FromSeconds(5)));
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task A_gateway_killed_with_sigkill_takes_its_postgres_with_it()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-e2e-{Guid.NewGuid():N}");
        await using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["GATEWAY_DATA_DIR"] = dataDirectory,
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.NotEmpty(Processes.PostgresServing(dataDirectory));

        await gateway.KillHardAsync();
        Assert.True(await Processes.WaitUntilAsync(() => Processes.PostgresServing(dataDirectory).Count == 0, TimeSpan.FromSeconds(15)),
            "PostgreSQL kept running after its gateway was killed");
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Without_an_admin_token_one_is_generated_printed_once_and_accepted()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-e2e-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string> { ["GATEWAY_DATA_DIR"] = dataDirectory };
        string token;
        await using (var first = GatewayProcess.Start(environment))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            Assert.True(await Processes.WaitUntilAsync(() => first.Output.Contains("GATEWAY ADMIN TOKEN", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
            token = first.Output.Split("store it now): ")[1].Split('\n')[0].Trim();
            using var admin = AdminClient(first.BaseUrl, token);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/v1/workspaces")).StatusCode);
            await first.InterruptAsync(TimeSpan.FromSeconds(30));
        }
        await using (var second = GatewayProcess.Start(environment))
        {
            await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(1000);
            Assert.DoesNotContain("GATEWAY ADMIN TOKEN", second.Output);
            Assert.DoesNotContain(token, second.Output);
            using var admin = AdminClient(second.BaseUrl, token);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/v1/workspaces")).StatusCode);
            await second.InterruptAsync(TimeSpan.FromSeconds(30));
        }
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Two_processes_form_one_cluster_and_a_revocation_on_one_holds_on_the_other_at_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("e2e");
        var cluster = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = connectionString,
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
            ["GATEWAY_ENCRYPTION_KEY"] = GatewayFixture.TestEncryptionKey,
            ["GATEWAY_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "gateway-e2e-keys"),
            ["Gateway__Cluster__Id"] = cluster,
        };
        await using var a = GatewayProcess.Start(environment);
        await using var b = GatewayProcess.Start(environment);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));

        Assert.True(await Processes.WaitUntilAsync(() => ActiveSilos(connectionString, cluster) == 2, TimeSpan.FromSeconds(30)),
            "both processes should be active members of one cluster");

        var secret = await CreateKeyAsync(a.BaseUrl, "ws-cluster");
        await AssertAnswersAsync(b.BaseUrl, secret);
        var keyId = "key_" + secret.Split('_')[1];
        using (var admin = AdminClient(a.BaseUrl, AdminToken))
        {
            (await admin.PostAsync($"/admin/v1/keys/{keyId}/revoke", null)).EnsureSuccessStatusCode();
        }
        using var client = new HttpClient { BaseAddress = b.BaseUrl };
        using var refused = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("after revocation")));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        Assert.Equal(0, await a.InterruptAsync(TimeSpan.FromSeconds(30)));
        // The survivor keeps serving what the stopped process used to host.
        var other = await CreateKeyAsync(b.BaseUrl, "ws-after");
        await AssertAnswersAsync(b.BaseUrl, other);
    }

    [Fact]
    public async Task A_shared_database_without_an_encryption_key_is_refused_at_start()
    {
        await using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = await TestPostgres.CreateDatabaseAsync("nokey"),
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
        });
        Assert.True(await gateway.ExitedWithinAsync(TimeSpan.FromSeconds(60)), "the gateway should refuse to start");
        Assert.Contains("GATEWAY_ENCRYPTION_KEY is required", gateway.Output);
    }

    [Theory]
    [InlineData("Gateway__Budgets__Lease", "-00:01:00", "Gateway:Budgets:Lease must be longer than 0")]
    [InlineData("Gateway__Cluster__SiloPort", "11111x", "Gateway:Cluster:SiloPort: '11111x' is not a port")]
    public async Task A_setting_that_cannot_be_used_stops_the_start_naming_it(string variable, string value, string expected)
    {
        await using var gateway = GatewayProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__Gateway"] = await TestPostgres.CreateDatabaseAsync("badopt"),
            ["GATEWAY_ADMIN_TOKEN"] = AdminToken,
            ["GATEWAY_ENCRYPTION_KEY"] = GatewayFixture.TestEncryptionKey,
            [variable] = value,
        });
        Assert.True(await gateway.ExitedWithinAsync(TimeSpan.FromSeconds(90)), "the gateway should refuse to start");
        Assert.Contains(expected, gateway.Output);
    }

    private static int ActiveSilos(string connectionString, string cluster)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM orleans.cluster_member WHERE deployment_id = $1 AND status = 3", connection);
        command.Parameters.AddWithValue(cluster);
        return (int)(long)command.ExecuteScalar()!;
    }

    private async Task<string> CreateKeyAsync(Uri gateway, string workspace) =>
        (await StandaloneTenant.CreateAsync(gateway, AdminToken, _fake, $"{workspace}-{Guid.NewGuid().ToString("N")[..6]}")).Secret;

    private static async Task AssertAnswersAsync(Uri gateway, string secret)
    {
        using var client = new HttpClient { BaseAddress = gateway };
        using var response = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("ping from e2e")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ping from e2e", await response.Content.ReadAsStringAsync());
    }

    private static HttpClient AdminClient(Uri gateway, string token)
    {
        var client = new HttpClient { BaseAddress = gateway };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
