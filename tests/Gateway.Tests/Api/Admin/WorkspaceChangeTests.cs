using System.Net;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

[Collection(GatewayCollection.Name)]
public sealed class WorkspaceChangeTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_workspace_changes_while_its_keys_serve_traffic_without_stalling_either()
    {
        var tenant = await gateway.CreateTenantAsync();
        var keys = new List<string> { tenant.Secret };
        for (var i = 0; i < 4; i++)
        {
            keys.Add((await gateway.CreateKeyAsync(tenant.Workspace)).Secret);
        }

        using var stop = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var traffic = keys.Select(key => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await gateway.Client.SendAsync(Requests.Messages(key, Requests.MessagesBody("busy")));
                statuses.Add(response.StatusCode);
            }
        })).ToList();

        // Each change pushes to every key of the workspace while those keys keep asking the workspace.
        for (var i = 0; i < 10; i++)
        {
            var patch = gateway.Admin.PatchAsync($"/admin/v1/workspaces/{tenant.Workspace}",
                new StringContent($"{{\"metadata\":{{\"round\":\"{i}\"}}}}", Encoding.UTF8, "application/json"));
            Assert.True(await Task.WhenAny(patch, Task.Delay(TimeSpan.FromSeconds(10))) == patch, "a workspace change stalled");
            Assert.Equal(HttpStatusCode.OK, (await patch).StatusCode);
        }
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.NotEmpty(statuses);
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        using var last = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("after")));
        Assert.Equal("9", (await gateway.Usage.WaitForAsync(Requests.RequestId(last))).Metadata["round"]);
    }
}
