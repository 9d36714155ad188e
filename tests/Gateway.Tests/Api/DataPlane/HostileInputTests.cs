using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// Bytes a client (or an admin) chooses never make something the gateway records invalid: hostile models and metadata
/// are refused at the edge, naming the field, and the ledger and the read side keep working for everyone else.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HostileInputTests(GatewayFixture gateway)
{
    // A well-formed key no one was issued: refused requests of strangers are recorded too.
    private const string StrangersKey = "gwk_01aaaaaaaaaaaaaaaaaaaaaaaa_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static TheoryData<string, string> HostileModels => new()
    {
        { "x\u0000", "NUL" },
        { "claude-opus-5-5\r\n[00:00:00 INF] forged line", "CR/LF" },
        { new string('m', 2_400), "2.4 kB" },
        { "claude opus", "space" },
        { "claude-\u00e9", "non-ASCII" },
    };

    [Theory]
    [MemberData(nameof(HostileModels))]
    public async Task A_hostile_model_is_refused_and_every_other_request_keeps_its_record(string model, string what)
    {
        var tenant = await gateway.CreateTenantAsync();
        var body = new JsonObject { ["model"] = model, ["max_tokens"] = 1, ["messages"] = new JsonArray() }.ToJsonString();

        foreach (var key in new[] { StrangersKey, tenant.Secret })
        {
            using var refused = await gateway.Client.SendAsync(Requests.Messages(key, body));
            var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.BadRequest, "invalid_request_error");
            Assert.StartsWith("model:", error.Message);
            // Its record holds nothing the client wrote.
            var record = await LedgerEventAsync(Requests.RequestId(refused));
            Assert.NotNull(record);
            Assert.Null(record["model"]);
        }

        // The ledger took the refusals and takes the next request: nobody's answer is withheld (no 503).
        using var normal = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("after " + what)));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.NotNull(await LedgerEventAsync(Requests.RequestId(normal)));
    }

    [Theory]
    [InlineData("""{"user":"a\u0000b"}""", "value of 'user'")]
    [InlineData("""{"user":"a\nb"}""", "value of 'user'")]
    [InlineData("""{"user":"\ud800"}""", "valid text")]
    [InlineData("""{"us er":"x"}""", "key 'us er'")]
    [InlineData("""{"user":1}""", "must be a string")]
    [InlineData("""{"a":"1","b":"1","c":"1","d":"1","e":"1","f":"1","g":"1","h":"1","i":"1","j":"1","k":"1","l":"1","m":"1","n":"1","o":"1","p":"1","q":"1"}""", "at most 16 entries")]
    public async Task Hostile_metadata_is_refused_naming_the_header(string header, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("metadata"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", header);

        using var response = await gateway.Client.SendAsync(request);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith("x-gateway-metadata:", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.True(Encoding.UTF8.GetByteCount(error.Message) < 300, "the refusal echoes at most a short, cleaned part of the input");
    }

    [Fact]
    public async Task Oversized_metadata_is_refused_and_the_read_side_keeps_moving()
    {
        var tenant = await gateway.CreateTenantAsync();
        foreach (var metadata in new[]
        {
            new JsonObject { ["user"] = new string('u', 2_400) },
            new JsonObject { ["a"] = new string('a', 250), ["b"] = new string('b', 250), ["c"] = new string('c', 250), ["d"] = new string('d', 250), ["e"] = new string('e', 250) },
        })
        {
            using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("big metadata"));
            request.Headers.TryAddWithoutValidation("x-gateway-metadata", metadata.ToJsonString());
            using var response = await gateway.Client.SendAsync(request);
            await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        }
        using var oversizedModel = await gateway.Client.SendAsync(Requests.Messages(StrangersKey, Requests.MessagesBody("x", model: new string('m', 2_400))));
        Assert.Equal(HttpStatusCode.BadRequest, oversizedModel.StatusCode);
        using var normal = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("[input:10][output:5] fine")));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);

        // Every projection catches up past the refusals: spend, chargeback and the log keep moving.
        await AdminReads.CatchUpAsync(gateway);
        var spend = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/spend?group_by=key&interval=day");
        Assert.Contains(spend["data"]!.AsArray(), row => row!["group"]!.GetValue<string>() == tenant.KeyId);
    }

    [Fact]
    public async Task Request_metadata_that_fits_alone_but_not_with_the_keys_is_refused()
    {
        var keyMetadata = new JsonObject();
        for (var i = 0; i < 4; i++)
        {
            keyMetadata[$"k{i}"] = new string('k', 200);
        }
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["metadata"] = keyMetadata });
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("together"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", new JsonObject { ["user"] = new string('u', 250) }.ToJsonString());

        using var response = await gateway.Client.SendAsync(request);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains("together with the key's metadata", error.Message);
    }

    [Theory]
    [InlineData("""{"model":"claude-sonnet-4-5","max_tokens":1,"max_tokens":4096,"messages":[]}""", "max_tokens: duplicate")]
    [InlineData("""{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[],"messages":[{"role":"user","content":"x"}]}""", "messages: duplicate")]
    public async Task A_duplicate_field_the_gateway_bounds_or_routes_by_is_refused(string body, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("cc\u0000")]
    [InlineData("cc\r\nforged")]
    [InlineData("300")]
    public async Task Workspace_metadata_every_request_would_carry_is_held_to_the_same_limits(string value)
    {
        var body = new JsonObject
        {
            ["id"] = "ws-hostile-" + Guid.NewGuid().ToString("N")[..8],
            ["name"] = "x",
            ["metadata"] = new JsonObject { ["cost_center"] = value == "300" ? new string('c', 300) : value },
        };

        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/workspaces", body);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith("metadata:", error.Message);
    }

    [Fact]
    public async Task Key_metadata_set_by_an_admin_is_held_to_the_limits_on_create_and_patch()
    {
        var tenant = await gateway.CreateTenantAsync();

        using var created = await gateway.Admin.PostAsJsonAsync("/admin/v1/keys", new JsonObject
        {
            ["workspace"] = tenant.Workspace,
            ["name"] = "k",
            ["metadata"] = new JsonObject { ["user"] = "a\u0000b" },
        });
        await AnthropicError.ReadAsync(created, HttpStatusCode.BadRequest, "invalid_request_error");
        using var patched = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/keys/{tenant.KeyId}", new JsonObject
        {
            ["metadata"] = new JsonObject { ["user"] = new string('u', 300) },
        });
        var error = await AnthropicError.ReadAsync(patched, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith("metadata: value of 'user'", error.Message);
    }

    [Fact]
    public async Task A_body_with_an_unpaired_surrogate_escape_under_a_budget_gets_the_providers_answer_not_a_500()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } });
        const string body = """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","\ud800":"x","content":"hi"}]}""";

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
        await AnthropicError.ReadAsync(response);
    }

    [Fact]
    public async Task Headers_past_the_stated_limits_are_refused_before_the_gateway_and_the_next_request_is_served()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var huge = Requests.Messages(tenant.Secret, Requests.MessagesBody("hi"));
        huge.Headers.TryAddWithoutValidation("x-filler", new string('a', 33 * 1024));
        using var many = Requests.Messages(tenant.Secret, Requests.MessagesBody("hi"));
        for (var i = 0; i < 100; i++)
        {
            many.Headers.TryAddWithoutValidation($"x-filler-{i}", "a");
        }

        using var tooLarge = await gateway.Client.SendAsync(huge);
        using var tooMany = await gateway.Client.SendAsync(many);
        using var next = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("still here")));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private Task<JsonObject?> LedgerEventAsync(string requestId) => WaitAsync(() => LedgerQueries.RecordAsync(gateway.ConnectionString, requestId));

    private static async Task<JsonObject?> WaitAsync(Func<Task<JsonObject?>> read)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(50))
        {
            if (await read() is { } found || DateTime.UtcNow > deadline)
            {
                return await read();
            }
        }
    }
}
