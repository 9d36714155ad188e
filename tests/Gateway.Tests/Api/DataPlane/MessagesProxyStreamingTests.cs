using System.Net;
using System.Text.Json.Nodes;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>Streamed answers: each event relayed as it arrives, usage read from the stream, a client leaving mid-stream.</summary>
[Collection(GatewayCollection.Name)]
public sealed class MessagesProxyStreamingTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Each_stream_event_reaches_the_client_while_the_provider_is_still_sending()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("[gated] step by step", stream: true));
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        var events = Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        var names = new List<string>();
        // The fake holds every event after the first until the test releases it: the client must see each
        // event before the provider sends the next, or the gateway is buffering.
        Assert.True(await events.MoveNextAsync());
        names.Add(events.Current.Name);
        while (true)
        {
            Assert.True(await gateway.Fake.EventWaiting.WaitAsync(TimeSpan.FromSeconds(10)), "the fake never asked to send its next event");
            gateway.Fake.EventGate.Release();
            Assert.True(await events.MoveNextAsync());
            names.Add(events.Current.Name);
            if (events.Current.Name == "message_stop")
            {
                break;
            }
        }
        Assert.Equal("message_start", names[0]);
        Assert.Contains("content_block_delta", names);
        Assert.Equal("message_delta", names[^2]);
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Stream_usage_comes_from_message_start_and_the_cumulative_message_delta()
    {
        var tenant = await gateway.CreateTenantAsync();
        var body = new JsonObject
        {
            ["model"] = Requests.Model,
            ["max_tokens"] = 100,
            ["stream"] = true,
            ["system"] = new JsonArray(new JsonObject
            {
                ["type"] = "text",
                ["text"] = "You are a helpful assistant with a long cached prompt.",
                ["cache_control"] = new JsonObject { ["type"] = "ephemeral", ["ttl"] = "1h" },
            }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "[cache-read:300] hi" }),
        };
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body.ToJsonString()), HttpCompletionOption.ResponseHeadersRead);
        JsonObject? start = null, delta = null;
        await foreach (var (name, data) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            start = name == "message_start" ? data : start;
            delta = name == "message_delta" ? data : delta;
        }

        var usage = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.True(usage.Stream);
        Assert.Equal(start!["message"]!["usage"]!["input_tokens"]!.GetValue<long>(), usage.InputTokens);
        Assert.Equal(delta!["usage"]!["output_tokens"]!.GetValue<long>(), usage.OutputTokens);
        Assert.True(usage.OutputTokens > 1, "output tokens must come from message_delta, not message_start's placeholder");
        Assert.Equal(2048, usage.CacheCreationInputTokens);
        Assert.Equal(2048, usage.CacheCreation1hInputTokens);
        Assert.Equal(0, usage.CacheCreation5mInputTokens);
        Assert.Equal(300, usage.CacheReadInputTokens);
        Assert.Equal(UsageOutcomes.Completed, usage.Outcome);
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_stream_cancels_the_provider_call()
    {
        var tenant = await gateway.CreateTenantAsync();
        var prompt = $"[hang-stream] wait {Guid.NewGuid():N}";
        var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody(prompt, stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("message_start", events.Current.Name);
        var requestId = Requests.RequestId(response);
        response.Dispose();

        Assert.True(await Processes.WaitUntilAsync(() => gateway.Fake.CancelledPrompts.Contains(prompt), TimeSpan.FromSeconds(5)),
            "the provider call was not cancelled");
        Assert.Equal(UsageOutcomes.ClientDisconnected, (await gateway.Usage.WaitForAsync(requestId)).Outcome);
    }
}
