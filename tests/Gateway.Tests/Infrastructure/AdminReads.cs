using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reading the admin API's reports (logs, spend, chargeback) in tests.</summary>
public static class AdminReads
{
    /// <summary>Waits until the async daemon has projected every event appended so far.</summary>
    public static Task CatchUpAsync(GatewayFixture gateway) =>
        gateway.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    /// <summary>
    /// Waits until the request's bodies are in the request log: they are written behind the request, so the
    /// projection catch-up alone may run before they exist.
    /// </summary>
    public static async Task WaitForBodiesAsync(GatewayFixture gateway, string requestId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM gateway.request_content WHERE request_id = $1", connection);
            command.Parameters.AddWithValue(requestId);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the bodies of {requestId} did not reach the request log within 30 s");
        }
    }

    /// <summary>An admin client holding <paramref name="token"/>.</summary>
    public static HttpClient AdminClient(GatewayFixture gateway, string token)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates an admin token with the role and workspaces; returns its value.</summary>
    public static async Task<string> CreateTokenAsync(GatewayFixture gateway, string role, params string[] workspaces)
    {
        var body = new JsonObject { ["name"] = $"{role} for tests", ["role"] = role };
        if (workspaces.Length > 0)
        {
            body["workspaces"] = new JsonArray([.. workspaces.Select(w => (JsonNode)w)]);
        }
        return (await gateway.PostAsync("/admin/v1/admin-tokens", body))["token"]!.GetValue<string>();
    }

    /// <summary>GETs a JSON report, failing the test unless it is 200.</summary>
    public static async Task<JsonObject> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} -> {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Every log row of a filtered query, page after page.</summary>
    public static async Task<List<JsonObject>> AllLogsAsync(HttpClient client, string query, int pageSize = 100)
    {
        var rows = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await GetAsync(client, $"/admin/v1/logs?{query}&limit={pageSize}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            rows.AddRange(page["data"]!.AsArray().Select(r => r!.AsObject()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return rows;
    }

    public static string CurrentMonth() => DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
