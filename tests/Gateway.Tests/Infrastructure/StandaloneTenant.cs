using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;

namespace Gateway.Tests.Infrastructure;

/// <summary>A workspace, its Anthropic provider (a fake) and one key, on a gateway a test started itself.</summary>
public static class StandaloneTenant
{
    /// <summary>
    /// Creates workspace <paramref name="workspace"/>, provider <c>{workspace}-provider</c> for it and a key with
    /// <paramref name="keyFields"/> (a budget, say); returns the key's id and secret.
    /// </summary>
    public static async Task<(string KeyId, string Secret)> CreateAsync(Uri gateway, string adminToken, FakeAnthropic fake, string workspace,
        JsonObject? keyFields = null)
    {
        using var admin = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        (await admin.PostAsJsonAsync("/admin/v1/workspaces", new { id = workspace })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/v1/providers", new
        {
            slug = workspace + "-provider",
            kind = "anthropic",
            base_url = fake.BaseUrl.ToString(),
            credentials = new { api_key = fake.ApiKey },
            workspaces = new[] { workspace },
        })).EnsureSuccessStatusCode();
        var body = keyFields?.DeepClone().AsObject() ?? [];
        body["workspace"] = workspace;
        body["name"] ??= workspace;
        using var key = await admin.PostAsJsonAsync("/admin/v1/keys", body);
        key.EnsureSuccessStatusCode();
        var created = (await key.Content.ReadFromJsonAsync<JsonObject>())!;
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }
}
