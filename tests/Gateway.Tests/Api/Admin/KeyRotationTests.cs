using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

/// <summary>Rotating a key: a new secret shown once, the old one working only through its grace, the key's history kept.</summary>
[Collection(GatewayCollection.Name)]
public sealed class KeyRotationTests(GatewayFixture gateway)
{
    [Fact]
    public async Task During_the_grace_both_secrets_work_and_the_new_one_is_shown_only_once()
    {
        var tenant = await gateway.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(tenant.Secret));

        var rotated = await RotateAsync(tenant.KeyId, new JsonObject { ["grace_seconds"] = 3600 });

        var secret = rotated["key"]!.GetValue<string>();
        Assert.NotEqual(tenant.Secret, secret);
        Assert.Equal(tenant.KeyId, rotated["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(secret));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(tenant.Secret));
        var shown = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}");
        Assert.Null(shown["key"]);
        Assert.Equal(secret[^4..], shown["hint"]!.GetValue<string>()[^4..]);
        Assert.NotNull(shown["rotated_at"]);
        var graceEnds = shown["previous_key_expires_at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(graceEnds - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task Without_a_grace_the_old_secret_stops_at_once_and_spend_stays_with_the_key()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 10m, ["period"] = "monthly" } });
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(tenant.Secret));
        var spentBefore = await SpentAsync(tenant.KeyId);
        Assert.True(spentBefore > 0m);

        var rotated = await RotateAsync(tenant.KeyId, body: null);

        using (var old = await SendAsync(tenant.Secret))
        {
            await AnthropicError.ReadAsync(old, HttpStatusCode.Unauthorized, "authentication_error");
        }
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated["key"]!.GetValue<string>()));
        Assert.True(await SpentAsync(tenant.KeyId) > spentBefore);
        Assert.Null((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}"))["previous_key_expires_at"]);
        await AdminReads.CatchUpAsync(gateway);
        var trail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?action=key.rotated&resource_id={tenant.KeyId}");
        Assert.Equal("grace_seconds: 0", Assert.Single(trail["data"]!.AsArray())!["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_old_secret_is_refused_once_its_grace_ends()
    {
        var tenant = await gateway.CreateTenantAsync();
        var rotated = await RotateAsync(tenant.KeyId, new JsonObject { ["grace_seconds"] = 2 });
        var started = DateTimeOffset.UtcNow;

        Assert.True(await Processes.WaitUntilAsync(async () => await StatusAsync(tenant.Secret) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(60)), "the old secret kept working after its grace");

        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(1.9), "the old secret stopped before its grace ended");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated["key"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Requests_racing_a_rotation_with_grace_are_never_refused_and_only_the_latest_two_secrets_work()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var stop = new CancellationTokenSource();
        // Clients keep using the original secret while two rotations happen; the first rotation's grace covers them.
        var clients = Enumerable.Range(0, 8).Select(async _ =>
        {
            var statuses = new List<HttpStatusCode>();
            while (!stop.IsCancellationRequested)
            {
                statuses.Add(await StatusAsync(tenant.Secret));
            }
            return statuses;
        }).ToList();
        var first = await RotateAsync(tenant.KeyId, new JsonObject { ["grace_seconds"] = 600 });
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        stop.Cancel();
        var seen = (await Task.WhenAll(clients)).SelectMany(s => s).ToList();

        Assert.NotEmpty(seen);
        Assert.All(seen, status => Assert.Equal(HttpStatusCode.OK, status));

        // Two rotations at once: each hands out its own secret; the key then accepts the last one and the one before.
        var second = await Task.WhenAll(
            RotateAsync(tenant.KeyId, new JsonObject { ["grace_seconds"] = 600 }),
            RotateAsync(tenant.KeyId, new JsonObject { ["grace_seconds"] = 600 }));
        var secrets = second.Select(r => r["key"]!.GetValue<string>()).ToList();
        Assert.NotEqual(secrets[0], secrets[1]);
        var accepted = new List<string>();
        foreach (var secret in secrets.Append(first["key"]!.GetValue<string>()).Append(tenant.Secret))
        {
            if (await StatusAsync(secret) == HttpStatusCode.OK)
            {
                accepted.Add(secret);
            }
        }
        Assert.Equal(secrets.Order(), accepted.Order());
    }

    [Theory]
    [InlineData("""{"grace_seconds":-1}""", "grace_seconds: from 0 to 2592000.")]
    [InlineData("""{"grace_seconds":2592001}""", "grace_seconds: from 0 to 2592000.")]
    [InlineData("""{"grace_seconds":"soon"}""", "grace_seconds")]
    public async Task A_bad_grace_is_refused_and_the_key_keeps_its_secret(string body, string message)
    {
        var tenant = await gateway.CreateTenantAsync();

        using var response = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/rotate",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(message, error.Message);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(tenant.Secret));
    }

    [Fact]
    public async Task A_revoked_or_unknown_key_cannot_be_rotated()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var revoke = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using (var revoked = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/rotate", null))
        {
            await AnthropicError.ReadAsync(revoked, HttpStatusCode.BadRequest, "invalid_request_error");
        }
        using var unknown = await gateway.Admin.PostAsync($"/admin/v1/keys/key_{new string('x', 26)}/rotate", null);
        await AnthropicError.ReadAsync(unknown, HttpStatusCode.NotFound, "not_found_error");
    }

    [Fact]
    public async Task Keys_to_redistribute_are_those_whose_secret_stops_within_the_window()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["expires_at"] = DateTimeOffset.UtcNow.AddDays(3) });
        var later = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["expires_at"] = DateTimeOffset.UtcNow.AddDays(30) });
        var never = await gateway.CreateKeyAsync(tenant.Workspace);
        var rotating = await gateway.CreateKeyAsync(tenant.Workspace);
        await RotateAsync(rotating.Id, new JsonObject { ["grace_seconds"] = 2 * 86_400 });
        var revoked = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["expires_at"] = DateTimeOffset.UtcNow.AddDays(1) });
        using (await gateway.Admin.PostAsync($"/admin/v1/keys/{revoked.Id}/revoke", null))
        {
        }

        Assert.Equal([tenant.KeyId, rotating.Id], (await ExpiringAsync(tenant.Workspace, "7d")).Order());
        Assert.Equal([rotating.Id], await ExpiringAsync(tenant.Workspace, "48h"));
        Assert.Equal([tenant.KeyId, later.Id, rotating.Id], (await ExpiringAsync(tenant.Workspace, "31d")).Order());
        Assert.DoesNotContain(never.Id, await ExpiringAsync(tenant.Workspace, "3650d"));
        // One per page: the cursor walks on to the other.
        var page = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys?workspace={tenant.Workspace}&expiring_within=7d&limit=1");
        Assert.Single(page["data"]!.AsArray());
        var next = await AdminReads.GetAsync(gateway.Admin,
            $"/admin/v1/keys?workspace={tenant.Workspace}&expiring_within=7d&limit=1&cursor={page["next_cursor"]!.GetValue<string>()}");
        Assert.Single(next["data"]!.AsArray());
        using var bad = await gateway.Admin.GetAsync($"/admin/v1/keys?expiring_within=soon");
        await AnthropicError.ReadAsync(bad, HttpStatusCode.BadRequest, "invalid_request_error");
    }

    private async Task<string[]> ExpiringAsync(string workspace, string window) =>
        [.. (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys?workspace={workspace}&expiring_within={window}"))["data"]!
            .AsArray().Select(key => key!["id"]!.GetValue<string>())];

    private async Task<JsonObject> RotateAsync(string keyId, JsonObject? body)
    {
        using var response = body is null
            ? await gateway.Admin.PostAsync($"/admin/v1/keys/{keyId}/rotate", null)
            : await gateway.Admin.PostAsJsonAsync($"/admin/v1/keys/{keyId}/rotate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"rotate -> {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<decimal> SpentAsync(string keyId) =>
        (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys/{keyId}"))["budget"]!["spent_usd"]!.GetValue<decimal>();

    private Task<HttpResponseMessage> SendAsync(string secret) =>
        gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("rotation")));

    private async Task<HttpStatusCode> StatusAsync(string secret)
    {
        using var response = await SendAsync(secret);
        return response.StatusCode;
    }
}
