using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// A workspace's <c>metadata_headers</c> through real HTTP: a mapped header's value is recorded under its metadata key (request
/// log, chargeback), and a hostile value is refused naming the header while its neighbours are served and recorded.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MetadataHeadersTests(GatewayFixture gateway)
{
    private const string SessionHeader = "x-claude-code-session-id";

    private static readonly JsonObject MapsSession = new() { ["metadata_headers"] = new JsonObject { ["X-Claude-Code-Session-Id"] = "session" } };

    [Fact]
    public async Task A_mapped_header_lands_in_the_request_log_and_chargeback_by_its_metadata_key()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: MapsSession);
        var session = Guid.NewGuid().ToString();
        var ids = new List<string>();
        foreach (var stream in new[] { false, true })
        {
            using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("in a session", stream));
            request.Headers.Add(SessionHeader, session);
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
            ids.Add(Requests.RequestId(response));
        }
        foreach (var id in ids)
        {
            Assert.Equal(session, (await gateway.Usage.WaitForAsync(id)).Metadata["session"]);
        }

        await AdminReads.CatchUpAsync(gateway);
        var logs = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs?workspace={tenant.Workspace}&metadata.session={session}");
        Assert.Equal(ids.Order(), logs["data"]!.AsArray().Select(row => row!["request_id"]!.GetValue<string>()).Order());
        Assert.All(logs["data"]!.AsArray(), row => Assert.Equal(session, row!["metadata"]!["session"]!.GetValue<string>()));
        var chargeback = await AdminReads.GetAsync(gateway.Admin,
            $"/admin/v1/chargeback?month={AdminReads.CurrentMonth()}&dimension=metadata.session&limit=1000");
        var row = chargeback["rows"]!.AsArray().Single(r => r!["value"]!.GetValue<string>() == session)!;
        Assert.Equal(2, row["requests"]!.GetValue<long>());
        Assert.True(row["cost_usd"]!.GetValue<decimal>() > 0);
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    [InlineData("del\u007f")]
    [InlineData("300")]
    public async Task A_hostile_mapped_header_is_refused_naming_it_while_its_neighbour_is_served_and_recorded(string value)
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: MapsSession);
        var hostile = Requests.Messages(tenant.Secret, Requests.MessagesBody("hostile session"));
        hostile.Headers.TryAddWithoutValidation(SessionHeader, value == "300" ? new string('s', 300) : value);
        var neighbour = Requests.Messages(tenant.Secret, Requests.MessagesBody("neighbour session"));
        neighbour.Headers.Add(SessionHeader, "s-neighbour");

        var responses = await Task.WhenAll(gateway.Client.SendAsync(hostile), gateway.Client.SendAsync(neighbour));
        using var refused = responses[0];
        using var served = responses[1];

        var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith($"{SessionHeader}: ", error.Message);
        Assert.Contains("metadata 'session'", error.Message);
        var refusal = await gateway.Usage.WaitForAsync(Requests.RequestId(refused));
        Assert.Equal((400, false), (refusal.Status, refusal.Metadata.ContainsKey("session")));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("s-neighbour", (await gateway.Usage.WaitForAsync(Requests.RequestId(served))).Metadata["session"]);
        hostile.Dispose();
        neighbour.Dispose();
    }
}
