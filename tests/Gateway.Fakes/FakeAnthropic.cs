using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fakes;

/// <summary>
/// A local HTTP server that answers like Anthropic's Messages API: JSON and SSE, text, thinking and tool-use
/// blocks, usage with cache tokens, Anthropic errors, models and count_tokens. What it answers is steered by
/// markers in the last user message (see <see cref="Markers"/>), so a test can drive it through a gateway
/// without touching the fake.
/// </summary>
public sealed class FakeAnthropic : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly FakeAnthropicOptions _options;
    private readonly ConcurrentQueue<string> _cancelledPrompts = new();

    private FakeAnthropic(WebApplication app, FakeAnthropicOptions options)
    {
        _app = app;
        _options = options;
    }

    /// <summary>Where the fake listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The provider credential the fake accepts in <c>x-api-key</c>.</summary>
    public string ApiKey => _options.ApiKey;

    /// <summary>Every request received, oldest first (empty when recording is off).</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The prompts (last user text) of requests whose client went away before the fake finished answering.</summary>
    public IReadOnlyCollection<string> CancelledPrompts => [.. _cancelledPrompts];

    /// <summary>Released once per event by a test driving a <c>[gated]</c> stream.</summary>
    public SemaphoreSlim EventGate { get; } = new(0);

    /// <summary>Signalled each time a <c>[gated]</c> stream is about to wait for <see cref="EventGate"/>.</summary>
    public SemaphoreSlim EventWaiting { get; } = new(0);

    public static async Task<FakeAnthropic> StartAsync(FakeAnthropicOptions? options = null, int port = 0)
    {
        options ??= new FakeAnthropicOptions();
        var app = FakeHost.Create(port);
        var fake = new FakeAnthropic(app, options);
        app.MapPost("/v1/messages", context => AsAnthropicAsync(context, fake.MessagesAsync));
        app.MapPost("/v1/messages/count_tokens", context => AsAnthropicAsync(context, fake.CountTokensAsync));
        app.MapGet("/v1/models", fake.ListModels);
        app.MapGet("/v1/models/{id}", fake.GetModel);
        fake.BaseUrl = await FakeHost.StartAsync(app);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        EventGate.Dispose();
        EventWaiting.Dispose();
    }

    /// <summary>When set, every message request is answered with this error status (a provider that is down).</summary>
    public int? FailAllWith { get; set; }

    /// <summary>Message requests received, recorded or not.</summary>
    public int MessageRequests => _messageRequests;

    private int _messageRequests;
    private readonly ConcurrentDictionary<string, int> _failures = new();

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => _requests.Clear();

    private async Task<RecordedRequest?> RecordAsync(HttpContext context)
    {
        var request = await FakeHost.ReadAsync(context);
        if (_options.Record)
        {
            _requests.Enqueue(request);
        }
        return request;
    }

    /// <summary>A body the fake cannot make sense of is a 400, as Anthropic answers it (never the fake's own 500).</summary>
    private static async Task AsAnthropicAsync(HttpContext context, Func<HttpContext, Task> handle)
    {
        try
        {
            await handle(context);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
        }
    }

    private async Task MessagesAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        Interlocked.Increment(ref _messageRequests);
        if (!await AuthorisedAsync(context))
        {
            return;
        }

        JsonObject body;
        try
        {
            body = JsonNode.Parse(request!.Body)?.AsObject() ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
            return;
        }

        var model = body["model"]?.GetValue<string>() ?? "";
        var resolved = FakeModels.Resolve(model);
        if (resolved is null)
        {
            await FakeClaude.WriteErrorAsync(context, 404, "not_found_error", $"model: {model}");
            return;
        }

        var prompt = FakeClaude.LastUserText(body);
        var markers = Markers.Parse(prompt);
        if (FakeClaude.FailureStatus(markers, prompt, _failures, FailAllWith) is { } status)
        {
            await FakeClaude.WriteErrorAsync(context, status, FakeClaude.ErrorType(status), $"Fake failure with status {status}.",
                status is 429 or 529 ? "7" : null);
            return;
        }

        var reply = FakeClaude.BuildReply(body, model, prompt, markers, _options.FixedText);
        try
        {
            if (markers.HangBeforeHeaders)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            if (body["stream"]?.GetValue<bool>() == true)
            {
                await FakeClaude.StreamAsync(context, reply, markers, EventGate, EventWaiting);
            }
            else
            {
                context.Response.ContentType = "application/json";
                context.Response.Headers["request-id"] = "req_fake_" + reply.Id;
                var message = reply.ToMessage().ToJsonString();
                await FakeClaude.WriteAsync(context, markers.Garbage ? message[..(message.Length / 2)] : message, markers.DripMs);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _cancelledPrompts.Enqueue(prompt);
        }
    }

    private async Task CountTokensAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        if (!await AuthorisedAsync(context))
        {
            return;
        }
        JsonObject body;
        try
        {
            body = JsonNode.Parse(request!.Body)?.AsObject() ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
            return;
        }
        var model = body["model"]?.GetValue<string>() ?? "";
        if (FakeModels.Resolve(model) is null)
        {
            await FakeClaude.WriteErrorAsync(context, 404, "not_found_error", $"model: {model}");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["input_tokens"] = FakeClaude.InputTokens(body) }.ToJsonString());
    }

    private async Task ListModels(HttpContext context)
    {
        await RecordAsync(context);
        if (!await AuthorisedAsync(context))
        {
            return;
        }
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) ? Math.Clamp(l, 1, 1000) : 20;
        var models = FakeModels.All.ToList();
        var start = 0;
        var end = models.Count;
        if (query["after_id"].FirstOrDefault() is { } after)
        {
            start = models.FindIndex(m => m.Id == after) + 1;
        }
        if (query["before_id"].FirstOrDefault() is { } before)
        {
            end = Math.Max(0, models.FindIndex(m => m.Id == before));
            start = Math.Max(start, end - limit);
        }
        var page = models.Skip(start).Take(Math.Min(limit, end - start)).ToList();
        var result = new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(m => (JsonNode)m.ToJson())]),
            ["has_more"] = start + page.Count < end || (query["before_id"].Count > 0 && start > 0),
            ["first_id"] = page.FirstOrDefault()?.Id,
            ["last_id"] = page.LastOrDefault()?.Id,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.ToJsonString());
    }

    private async Task GetModel(HttpContext context, string id)
    {
        await RecordAsync(context);
        if (!await AuthorisedAsync(context))
        {
            return;
        }
        var resolved = FakeModels.Resolve(id);
        if (resolved is null)
        {
            await FakeClaude.WriteErrorAsync(context, 404, "not_found_error", $"model: {id}");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(resolved.ToJson().ToJsonString());
    }

    private async Task<bool> AuthorisedAsync(HttpContext context)
    {
        if (context.Request.Headers["x-api-key"] != _options.ApiKey)
        {
            await FakeClaude.WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return false;
        }
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await FakeClaude.WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return false;
        }
        return true;
    }

}

/// <summary>How a <see cref="FakeAnthropic"/> behaves.</summary>
public sealed record FakeAnthropicOptions
{
    public string ApiKey { get; init; } = "sk-ant-fake-provider-key";

    /// <summary>Keep every request for assertions; benchmarks turn it off.</summary>
    public bool Record { get; init; } = true;

    /// <summary>Answer text for plain prompts; null echoes the prompt.</summary>
    public string? FixedText { get; init; }
}

/// <summary>One request the fake received.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string[]> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var values) ? string.Join(",", values) : null;

    public string BodyText => Encoding.UTF8.GetString(Body);
}
