using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Tests.Api.Logs;

[Collection(GatewayCollection.Name)]
public sealed class RequestBodiesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Full_text_search_finds_a_request_by_a_phrase_from_its_prompt_and_from_its_streamed_answer()
    {
        var tenant = await gateway.CreateTenantAsync();
        var word = "zq" + Guid.NewGuid().ToString("N")[..8];
        var prompt = $"What is the weather where the {word} violin quartet plays? [tool]";
        var (requestId, streamedUsage) = await StreamWithToolAsync(tenant.Secret, prompt);
        var unrelated = await SendAsync(tenant.Secret, "An unrelated question about spreadsheets");
        await AdminReads.WaitForBodiesAsync(gateway, requestId);
        await AdminReads.WaitForBodiesAsync(gateway, unrelated);
        await AdminReads.CatchUpAsync(gateway);

        var byPrompt = await AdminReads.AllLogsAsync(gateway.Admin, $"q={Uri.EscapeDataString($"\"{word} violin quartet\"")}");
        Assert.Equal([requestId], byPrompt.Select(r => r["request_id"]!.GetValue<string>()));
        // "Let me look that up." and the tool input exist only in the streamed answer.
        var byAnswer = await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&q={Uri.EscapeDataString("\"let me look that up\"")}");
        Assert.Equal([requestId], byAnswer.Select(r => r["request_id"]!.GetValue<string>()));
        Assert.Equal([requestId], (await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&q=paris")).Select(r => r["request_id"]!.GetValue<string>()));
        Assert.Empty(await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={tenant.Workspace}&q={Uri.EscapeDataString("\"violin spreadsheets\"")}"));

        var detail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        Assert.Equal(prompt, detail["request"]!["messages"]![0]!["content"]!.GetValue<string>());
        var response = detail["response"]!;
        Assert.Equal("message", response["type"]!.GetValue<string>());
        Assert.Equal("tool_use", response["stop_reason"]!.GetValue<string>());
        Assert.Equal("Let me look that up.", response["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("Paris, France", response["content"]![1]!["input"]!["location"]!.GetValue<string>());
        Assert.Equal(streamedUsage, response["usage"]!["output_tokens"]!.GetValue<long>());
        Assert.Single(detail["attempts"]!.AsArray());
    }

    [Fact]
    public async Task A_redacted_workspace_stores_no_email_address_or_card_number_from_the_prompt()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject { ["logging"] = new JsonObject { ["mode"] = "redacted" } });
        const string email = "jane.doe@example.com";
        var requestId = await SendAsync(tenant.Secret, $"Please email {email} the invoice for card 4111 1111 1111 1111 today");
        await AdminReads.WaitForBodiesAsync(gateway, requestId);
        await AdminReads.CatchUpAsync(gateway);

        var detail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        var stored = detail.ToJsonString();
        Assert.True(detail["redacted"]!.GetValue<bool>());
        Assert.DoesNotContain(email, stored);
        Assert.DoesNotContain("4111 1111", stored);
        Assert.Contains("[REDACTED:email]", detail["request"]!["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Contains("[REDACTED:card_number]", detail["request"]!["messages"]![0]!["content"]!.GetValue<string>());
        // The fake echoes the prompt: the answer is masked too.
        Assert.Contains("[REDACTED:email]", detail["response"]!["content"]![0]!["text"]!.GetValue<string>());
        // Nowhere in the database either: not in the event store, not in the search index.
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM gateway.mt_events WHERE data::text LIKE '%{email}%'"));
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM gateway.request_content WHERE search::text LIKE '%jane.doe%'"));
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM gateway.request_content WHERE request_id = '{requestId}'"));
    }

    [Fact]
    public async Task A_metadata_only_workspace_logs_the_request_without_any_body()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject { ["logging"] = new JsonObject { ["mode"] = "metadata_only" } });
        var requestId = await SendAsync(tenant.Secret, "Nothing of this may be kept");
        // Bodies are written in order: once a later request's are in, this one's would have been too.
        var later = await SendAsync((await gateway.CreateTenantAsync()).Secret, "A later request with bodies");
        await AdminReads.WaitForBodiesAsync(gateway, later);
        await AdminReads.CatchUpAsync(gateway);

        var detail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        Assert.Null(detail["request"]);
        Assert.Null(detail["response"]);
        Assert.True(detail["cost_usd"]!.GetValue<decimal>() > 0);
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM gateway.mt_events WHERE data ->> 'request_id' = '{requestId}' AND type = 'request_content_recorded'"));
    }

    [Fact]
    public async Task Bodies_past_their_retention_are_removed_and_the_usage_stays()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject { ["logging"] = new JsonObject { ["retention_days"] = 3 } });
        var requestId = await SendAsync(tenant.Secret, "Keep me for three days");
        await AdminReads.WaitForBodiesAsync(gateway, requestId);
        await AdminReads.CatchUpAsync(gateway);
        var before = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        Assert.NotNull(before["request"]);
        var expires = before["bodies_expire_at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(2.9), TimeSpan.FromDays(3));

        var database = gateway.Services.GetRequiredService<LedgerDatabase>();
        await new RequestLogRetention(database, Options.Create(new BodyLogOptions()), new ShiftedClock(TimeSpan.FromDays(2)), NullLogger<RequestLogRetention>.Instance)
            .SweepAsync(CancellationToken.None);
        Assert.NotNull((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}"))["request"]);

        await new RequestLogRetention(database, Options.Create(new BodyLogOptions()), new ShiftedClock(TimeSpan.FromDays(3.01)), NullLogger<RequestLogRetention>.Instance)
            .SweepAsync(CancellationToken.None);
        var after = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{requestId}");
        Assert.Null(after["request"]);
        Assert.Null(after["response"]);
        Assert.Equal(before["cost_usd"]!.GetValue<decimal>(), after["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM gateway.mt_events WHERE data ->> 'request_id' = '{requestId}' AND type = 'request_content_recorded'"));
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM gateway.mt_events WHERE data ->> 'request_id' = '{requestId}' AND type = 'usage_recorded'"));
    }

    [Fact]
    public async Task Bodies_json_cannot_represent_as_sent_are_logged_without_them_and_the_gateway_keeps_serving()
    {
        var tenant = await gateway.CreateTenantAsync();
        var odd = new[]
        {
            // Duplicate keys inside a message, an unpaired surrogate, a NUL in an object key.
            """{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"first","content":"second"}]}""",
            """{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"half a pair \ud800 here"}]}""",
            """{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"nul key"}],"metadata":{"a\u0000b":"x"}}""",
        };
        var ids = new List<string>();
        foreach (var body in odd)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
            await response.Content.ReadAsStringAsync();
            ids.Add(Requests.RequestId(response));
        }
        var normal = await SendAsync(tenant.Secret, "Still serving after the odd ones");
        foreach (var id in ids.Append(normal))
        {
            await AdminReads.WaitForBodiesAsync(gateway, id);
        }
        await AdminReads.CatchUpAsync(gateway);

        foreach (var id in ids)
        {
            var entry = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{id}");
            // Either stored (cleaned) or logged as omitted, never lost with the other bodies of its batch.
            Assert.True(entry["request"] is not null || entry["bodies_omitted"] is not null, entry.ToJsonString());
        }
        Assert.Equal("nul key", (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{ids[2]}"))["request"]!["messages"]![0]!["content"]!.GetValue<string>());
        Assert.NotNull((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{normal}"))["request"]);
    }

    [Theory]
    [InlineData("{\"mode\":\"verbose\"}", "logging.mode")]
    [InlineData("{\"mode\":7}", "logging.mode")]
    [InlineData("{\"mode\":\"redacted\",\"redact\":[null]}", "logging.redact")]
    [InlineData("{\"mode\":\"full\",\"redact\":[\"email\"]}", "logging.redact")]
    [InlineData("{\"mode\":\"redacted\",\"redact\":[\"(unclosed\"]}", "logging.redact")]
    [InlineData("{\"mode\":\"redacted\",\"redact\":[\"(?<=IBAN )[0-9]+\"]}", "cannot be bounded")]
    [InlineData("{\"retention_days\":0}", "logging.retention_days")]
    public async Task A_bad_logging_policy_is_a_clear_400(string logging, string field)
    {
        var body = $"{{\"id\":\"ws-{Guid.NewGuid().ToString("N")[..10]}\",\"name\":\"x\",\"logging\":{logging}}}";
        using var response = await gateway.Admin.PostAsync("/admin/v1/workspaces", new StringContent(body, Encoding.UTF8, "application/json"));
        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith("logging.", error.Message);
        Assert.Contains(field, error.Message);
    }

    private async Task<string> SendAsync(string key, string prompt)
    {
        using var response = await gateway.Client.SendAsync(Requests.Messages(key, Requests.MessagesBody(prompt)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();
        return Requests.RequestId(response);
    }

    private async Task<(string RequestId, long OutputTokens)> StreamWithToolAsync(string key, string prompt)
    {
        var body = new JsonObject
        {
            ["model"] = Requests.Model,
            ["max_tokens"] = 256,
            ["stream"] = true,
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = "get_weather",
                ["description"] = "Weather at a place",
                ["input_schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["location"] = new JsonObject { ["type"] = "string" } } },
            }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        using var response = await gateway.Client.SendAsync(Requests.Messages(key, body.ToJsonString()), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        long output = 0;
        await foreach (var (name, data) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (name == "message_delta")
            {
                output = data["usage"]!["output_tokens"]!.GetValue<long>();
            }
        }
        return (Requests.RequestId(response), output);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
