using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.Api.Admin;

/// <summary>Provider credentials and key secrets: never returned by the admin API, never stored in clear.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AdminSecretsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Provider_credentials_are_never_returned_and_are_encrypted_at_rest()
    {
        const string secret = "sk-ant-very-secret-provider-credential-42";
        var slug = "prov-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.PostAsync("/admin/v1/providers", new JsonObject
        {
            ["slug"] = slug,
            ["kind"] = "anthropic",
            ["credentials"] = new JsonObject { ["api_key"] = secret },
        });
        Assert.Equal("https://api.anthropic.com", created["base_url"]!.GetValue<string>());
        Assert.DoesNotContain(secret, created.ToJsonString());

        var read = await gateway.Admin.GetStringAsync($"/admin/v1/providers/{slug}");
        var list = await gateway.Admin.GetStringAsync("/admin/v1/providers?limit=1000");
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(secret, list);
        Assert.Contains(slug, list);

        var stored = await StoredStateAsync("p/" + slug);
        Assert.NotEmpty(stored);
        Assert.DoesNotContain(secret, stored);
        Assert.Contains("\"ProtectedCredentials\":\"v2:", stored);
    }

    [Fact]
    public async Task A_key_secret_is_shown_once_and_stored_only_as_a_hash()
    {
        var tenant = await gateway.CreateTenantAsync();
        var key = await gateway.Admin.GetFromJsonAsync<JsonObject>($"/admin/v1/keys/{tenant.KeyId}");
        Assert.Null(key!["key"]);
        Assert.Equal("active", key["status"]!.GetValue<string>());
        Assert.Equal(tenant.Workspace, key["workspace"]!.GetValue<string>());
        Assert.StartsWith(tenant.Secret[..9], key["hint"]!.GetValue<string>());

        var listed = await gateway.Admin.GetStringAsync($"/admin/v1/keys?workspace={tenant.Workspace}");
        Assert.Contains(tenant.KeyId, listed);
        Assert.DoesNotContain(tenant.Secret, listed);

        var stored = await StoredStateAsync("k/" + tenant.KeyId);
        Assert.NotEmpty(stored);
        Assert.DoesNotContain(tenant.Secret, stored);
        Assert.DoesNotContain(tenant.Secret[^64..], stored);
    }

    /// <summary>The raw grain-state payload Orleans stored for a grain key, as text.</summary>
    private async Task<string> StoredStateAsync(string grainKey)
    {
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT convert_from(payload, 'UTF8') FROM orleans.grain_state WHERE grain_id_ext = $1", connection);
        command.Parameters.AddWithValue(grainKey);
        return (string?)await command.ExecuteScalarAsync() ?? "";
    }
}
