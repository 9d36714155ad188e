using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fakes;

/// <summary>
/// What every fake provider answers, whatever its wire format: the reply a request gets (text, thinking, tool
/// use, usage with cache tokens, steered by <see cref="Markers"/>), Anthropic's SSE rendering and error shape.
/// </summary>
internal static class FakeClaude
{
    private static int _messageCounter;

    /// <summary>The status a request gets under a fake's fail-all setting and its markers, or null to answer it.</summary>
    public static int? FailureStatus(Markers markers, string prompt, ConcurrentDictionary<string, int> failures, int? failAll)
    {
        if (failAll is { } all)
        {
            return all;
        }
        if (markers.Status is { } status && markers.FailFirst > 0)
        {
            return failures.AddOrUpdate(prompt, 1, (_, n) => n + 1) <= markers.FailFirst ? status : null;
        }
        return markers.Status;
    }

    public static FakeReply BuildReply(JsonObject body, string model, string prompt, Markers markers, string? fixedText)
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

        var (searches, codeRuns) = RunServerTools(body, markers, id, blocks);
        var clientTools = body["tools"] is JsonArray offered
            ? offered.Where(t => t?["type"]?.GetValue<string>() is null or "custom").ToList()
            : [];
        var wantsTool = clientTools.Count > 0
            && (markers.UseTool || body["tool_choice"]?["type"]?.GetValue<string>() is "any" or "tool");
        string stopReason;
        if (wantsTool)
        {
            var tool = clientTools[0]!;
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
                : fixedText ?? $"Hello from the fake. You said: {Shorten(Markers.Strip(prompt), 80)}";
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
            stopReason = "end_turn";
        }

        var outputTokens = blocks.Sum(b => Math.Max(1, (b["text"] ?? b["thinking"] ?? b["input"] ?? b["content"])!.ToJsonString().Length / 4));
        var usage = Usage(body, outputTokens, markers);
        if (searches + codeRuns > 0)
        {
            // Results are read as input in the next sampling round.
            usage["input_tokens"] = usage["input_tokens"]!.GetValue<int>() + Markers.SearchResultTokens * searches;
            usage["server_tool_use"] = new JsonObject { ["web_search_requests"] = searches, ["web_fetch_requests"] = 0 };
        }
        return new FakeReply(id, model, blocks, stopReason, usage);
    }

    /// <summary>Runs the offered server tools as Anthropic does before answering: their calls and results become blocks.</summary>
    private static (int Searches, int CodeRuns) RunServerTools(JsonObject body, Markers markers, string id, List<JsonObject> blocks)
    {
        if (body["tools"] is not JsonArray tools)
        {
            return (0, 0);
        }
        int searches = 0, codeRuns = 0;
        foreach (var tool in tools)
        {
            var type = tool?["type"]?.GetValue<string>() ?? "";
            if (type.StartsWith("web_search_", StringComparison.Ordinal))
            {
                var limit = tool!["max_uses"]?.GetValue<int>() ?? int.MaxValue;
                for (var i = 0; i < Math.Min(markers.Searches ?? 1, limit); i++, searches++)
                {
                    var callId = $"srvtoolu_{id[4..]}_{searches}";
                    blocks.Add(new JsonObject { ["type"] = "server_tool_use", ["id"] = callId, ["name"] = "web_search", ["input"] = new JsonObject { ["query"] = $"query {i}" } });
                    blocks.Add(new JsonObject
                    {
                        ["type"] = "web_search_tool_result",
                        ["tool_use_id"] = callId,
                        ["content"] = new JsonArray(new JsonObject
                        {
                            ["type"] = "web_search_result",
                            ["url"] = $"https://example.com/{i}",
                            ["title"] = $"Result {i}",
                            ["encrypted_content"] = "ZmFrZQ==",
                            ["page_age"] = null,
                        }),
                    });
                }
            }
            else if (type.StartsWith("code_execution_", StringComparison.Ordinal))
            {
                var callId = $"srvtoolu_{id[4..]}_code";
                blocks.Add(new JsonObject { ["type"] = "server_tool_use", ["id"] = callId, ["name"] = "bash_code_execution", ["input"] = new JsonObject { ["command"] = "echo 4" } });
                blocks.Add(new JsonObject
                {
                    ["type"] = "bash_code_execution_tool_result",
                    ["tool_use_id"] = callId,
                    ["content"] = new JsonObject { ["type"] = "bash_code_execution_result", ["stdout"] = "4\n", ["stderr"] = "", ["return_code"] = 0, ["content"] = new JsonArray() },
                });
                codeRuns++;
            }
        }
        return (searches, codeRuns);
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

    public static int InputTokens(JsonObject body) => Math.Max(1, (body["messages"]?.ToJsonString().Length ?? 0) / 4 + (body["system"]?.ToJsonString().Length ?? 0) / 4);

    public static string LastUserText(JsonObject body)
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

    public static string ErrorType(int status) => status switch
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

    /// <summary>Writes the reply as Anthropic SSE, honouring the stream markers.</summary>
    public static async Task StreamAsync(HttpContext context, FakeReply reply, Markers markers, SemaphoreSlim eventGate, SemaphoreSlim eventWaiting)
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
                eventWaiting.Release();
                await eventGate.WaitAsync(context.RequestAborted);
            }
            if (!first && markers.EventDelayMs > 0)
            {
                await Task.Delay(markers.EventDelayMs, context.RequestAborted);
            }
            await WriteAsync(context, $"event: {name}\ndata: {data.ToJsonString()}\n\n", markers.DripMs);
            if (first && markers.Garbage)
            {
                await WriteGarbageFramesAsync(context);
                return;
            }
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

    /// <summary>Writes <paramref name="text"/> at once, or a few bytes at a time <paramref name="dripMs"/> apart.</summary>
    public static async Task WriteAsync(HttpContext context, string text, int dripMs)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (dripMs <= 0)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            return;
        }
        for (var offset = 0; offset < bytes.Length; offset += 7)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(7, bytes.Length - offset)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(dripMs, context.RequestAborted);
        }
    }

    /// <summary>What a broken proxy or provider might send instead of events: binary junk, cut JSON, wrong types, unknown events.</summary>
    private static async Task WriteGarbageFramesAsync(HttpContext context)
    {
        var junk = new byte[512];
        new Random(7).NextBytes(junk);
        await context.Response.Body.WriteAsync(junk, context.RequestAborted);
        await context.Response.WriteAsync("\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\n\n", context.RequestAborted);
        await context.Response.WriteAsync("event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":\"lots\"}}\n\n", context.RequestAborted);
        await context.Response.WriteAsync("event: \u0000\r\ndata: \ud800\n\n" + new string('x', 70_000), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string type, string message, string? retryAfter = null)
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
