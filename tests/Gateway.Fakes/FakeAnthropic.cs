using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
    private int _messageCounter;

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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var fake = new FakeAnthropic(app, options);
        app.MapPost("/v1/messages", fake.MessagesAsync);
        app.MapPost("/v1/messages/count_tokens", fake.CountTokensAsync);
        app.MapGet("/v1/models", fake.ListModels);
        app.MapGet("/v1/models/{id}", fake.GetModel);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        EventGate.Dispose();
        EventWaiting.Dispose();
    }

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => _requests.Clear();

    private async Task<RecordedRequest?> RecordAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.Select(v => v ?? "").ToArray()),
            buffer.ToArray());
        if (_options.Record)
        {
            _requests.Enqueue(request);
        }
        return request;
    }

    private async Task MessagesAsync(HttpContext context)
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
            await WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
            return;
        }

        var model = body["model"]?.GetValue<string>() ?? "";
        var resolved = FakeModels.Resolve(model);
        if (resolved is null)
        {
            await WriteErrorAsync(context, 404, "not_found_error", $"model: {model}");
            return;
        }

        var prompt = LastUserText(body);
        var markers = Markers.Parse(prompt);
        if (markers.Status is { } status)
        {
            await WriteErrorAsync(context, status, ErrorType(status), $"Fake failure with status {status}.",
                status is 429 or 529 ? "7" : null);
            return;
        }

        var reply = BuildReply(body, model, prompt, markers);
        try
        {
            if (markers.HangBeforeHeaders)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            if (body["stream"]?.GetValue<bool>() == true)
            {
                await StreamAsync(context, reply, markers);
            }
            else
            {
                context.Response.ContentType = "application/json";
                context.Response.Headers["request-id"] = "req_fake_" + reply.Id;
                await context.Response.WriteAsync(reply.ToMessage().ToJsonString(), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _cancelledPrompts.Enqueue(prompt);
        }
    }

    private async Task StreamAsync(HttpContext context, FakeReply reply, Markers markers)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["request-id"] = "req_fake_" + reply.Id;
        var events = reply.ToEvents(markers.MidStreamError);
        var first = true;
        foreach (var (name, data) in events)
        {
            if (!first && markers.Gated)
            {
                EventWaiting.Release();
                await EventGate.WaitAsync(context.RequestAborted);
            }
            if (!first && markers.EventDelayMs > 0)
            {
                await Task.Delay(markers.EventDelayMs, context.RequestAborted);
            }
            await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (first && markers.HangAfterFirstEvent)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            if (first && markers.DropAfterFirstEvent)
            {
                // A reset discards what the peer has not read yet: give the first event time to be read.
                await Task.Delay(300, context.RequestAborted);
                context.Abort();
                return;
            }
            first = false;
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
            await WriteErrorAsync(context, 400, "invalid_request_error", "There was an issue with the format or content of your request.");
            return;
        }
        var model = body["model"]?.GetValue<string>() ?? "";
        if (FakeModels.Resolve(model) is null)
        {
            await WriteErrorAsync(context, 404, "not_found_error", $"model: {model}");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["input_tokens"] = InputTokens(body) }.ToJsonString());
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
            await WriteErrorAsync(context, 404, "not_found_error", $"model: {id}");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(resolved.ToJson().ToJsonString());
    }

    private async Task<bool> AuthorisedAsync(HttpContext context)
    {
        if (context.Request.Headers["x-api-key"] != _options.ApiKey)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return false;
        }
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return false;
        }
        return true;
    }

    private FakeReply BuildReply(JsonObject body, string model, string prompt, Markers markers)
    {
        var id = $"msg_fake{Interlocked.Increment(ref _messageCounter):D6}";
        var blocks = new List<JsonObject>();
        if (body["thinking"]?["type"]?.GetValue<string>() == "enabled")
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "thinking",
                ["thinking"] = "The user wants a short answer. I will give one.",
                ["signature"] = "fakesig" + Convert.ToBase64String(Encoding.UTF8.GetBytes(id)),
            });
        }

        var wantsTool = body["tools"] is JsonArray { Count: > 0 } tools
            && (markers.UseTool || body["tool_choice"]?["type"]?.GetValue<string>() is "any" or "tool");
        string stopReason;
        if (wantsTool)
        {
            var tool = ((JsonArray)body["tools"]!)[0]!;
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = "Let me look that up." });
            blocks.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = "toolu_" + id[4..],
                ["name"] = tool["name"]?.GetValue<string>() ?? "tool",
                ["input"] = new JsonObject { ["location"] = "Paris, France", ["unit"] = "celsius" },
            });
            stopReason = "tool_use";
        }
        else
        {
            var text = markers.Words > 0
                ? string.Join(' ', Enumerable.Range(0, markers.Words).Select(i => $"word{i}"))
                : _options.FixedText ?? $"Hello from the fake. You said: {Shorten(Markers.Strip(prompt), 80)}";
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
            stopReason = "end_turn";
        }

        var outputTokens = blocks.Sum(b => Math.Max(1, (b["text"] ?? b["thinking"] ?? b["input"])!.ToJsonString().Length / 4));
        var usage = Usage(body, outputTokens, markers);
        return new FakeReply(id, model, blocks, stopReason, usage);
    }

    private static JsonObject Usage(JsonObject body, int outputTokens, Markers markers)
    {
        var cacheWrite5m = 0;
        var cacheWrite1h = 0;
        var raw = body.ToJsonString();
        if (raw.Contains("\"cache_control\"", StringComparison.Ordinal))
        {
            if (raw.Contains("\"ttl\":\"1h\"", StringComparison.Ordinal))
            {
                cacheWrite1h = 2048;
            }
            else
            {
                cacheWrite5m = 1024;
            }
        }
        return new JsonObject
        {
            ["input_tokens"] = markers.InputTokens ?? InputTokens(body),
            ["cache_creation_input_tokens"] = cacheWrite5m + cacheWrite1h,
            ["cache_read_input_tokens"] = markers.CacheRead,
            ["cache_creation"] = new JsonObject
            {
                ["ephemeral_5m_input_tokens"] = cacheWrite5m,
                ["ephemeral_1h_input_tokens"] = cacheWrite1h,
            },
            ["output_tokens"] = markers.OutputTokens ?? outputTokens,
            ["service_tier"] = "standard",
        };
    }

    private static int InputTokens(JsonObject body) => Math.Max(1, (body["messages"]?.ToJsonString().Length ?? 0) / 4 + (body["system"]?.ToJsonString().Length ?? 0) / 4);

    private static string LastUserText(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages)
        {
            return "";
        }
        var last = messages.LastOrDefault(m => m?["role"]?.GetValue<string>() == "user");
        return last?["content"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            // Clients put context blocks (e.g. Claude Code's reminders) before the typed prompt: the last text is the prompt.
            JsonArray parts => parts.Select(p => p?["text"]?.GetValue<string>()).LastOrDefault(t => t is not null) ?? "",
            _ => "",
        };
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max];

    private static string ErrorType(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        _ => "api_error",
    };

    private static async Task WriteErrorAsync(HttpContext context, int status, string type, string message, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["request-id"] = "req_fake_error";
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
            context.Response.Headers["retry-after-ms"] = retryAfter + "000";
            context.Response.Headers["x-should-retry"] = "true";
        }
        var error = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
            ["request_id"] = "req_fake_error",
        };
        await context.Response.WriteAsync(error.ToJsonString());
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
