using System.Text.Json.Nodes;

namespace Gateway.Fakes;

/// <summary>One answer, rendered either as a Messages API JSON body or as its SSE event sequence.</summary>
internal sealed record FakeReply(string Id, string Model, IReadOnlyList<JsonObject> Blocks, string StopReason, JsonObject Usage)
{
    public JsonObject ToMessage() => new()
    {
        ["id"] = Id,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = Model,
        ["content"] = new JsonArray([.. Blocks.Select(b => (JsonNode)b.DeepClone())]),
        ["stop_reason"] = StopReason,
        ["stop_sequence"] = null,
        ["usage"] = Usage.DeepClone(),
    };

    public IEnumerable<(string Name, JsonObject Data)> ToEvents(bool errorMidStream)
    {
        var startUsage = Usage.DeepClone().AsObject();
        startUsage["output_tokens"] = 1;
        if (startUsage["server_tool_use"] is JsonObject tools)
        {
            foreach (var name in tools.Select(t => t.Key).ToList())
            {
                tools[name] = 0;
            }
        }
        yield return ("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = Id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = Model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = startUsage,
            },
        });
        yield return ("ping", new JsonObject { ["type"] = "ping" });

        for (var index = 0; index < Blocks.Count; index++)
        {
            var block = Blocks[index];
            var type = block["type"]!.GetValue<string>();
            var start = type switch
            {
                "text" => new JsonObject { ["type"] = "text", ["text"] = "" },
                "thinking" => new JsonObject { ["type"] = "thinking", ["thinking"] = "" },
                "tool_use" or "server_tool_use" => new JsonObject { ["type"] = type, ["id"] = block["id"]!.DeepClone(), ["name"] = block["name"]!.DeepClone(), ["input"] = new JsonObject() },
                // A server tool's result arrives whole in its start event.
                _ => block.DeepClone().AsObject(),
            };
            yield return ("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = start });
            if (type.EndsWith("_tool_result", StringComparison.Ordinal))
            {
                yield return ("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index });
                continue;
            }

            var deltas = type switch
            {
                "text" => Pieces(block["text"]!.GetValue<string>()).Select(p => new JsonObject { ["type"] = "text_delta", ["text"] = p }),
                "thinking" => Pieces(block["thinking"]!.GetValue<string>()).Select(p => new JsonObject { ["type"] = "thinking_delta", ["thinking"] = p })
                    .Append(new JsonObject { ["type"] = "signature_delta", ["signature"] = block["signature"]!.DeepClone() }),
                _ => Pieces(block["input"]!.ToJsonString()).Select(p => new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = p }),
            };
            foreach (var delta in deltas)
            {
                yield return ("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta });
                if (errorMidStream)
                {
                    yield return ("error", new JsonObject
                    {
                        ["type"] = "error",
                        ["error"] = new JsonObject { ["type"] = "overloaded_error", ["message"] = "Overloaded" },
                    });
                    yield break;
                }
            }
            yield return ("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index });
        }

        var finalUsage = Usage.DeepClone().AsObject();
        finalUsage.Remove("service_tier");
        yield return ("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = StopReason, ["stop_sequence"] = null },
            ["usage"] = finalUsage,
        });
        yield return ("message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    /// <summary>Splits text into a few pieces, as the real API streams it.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        const int size = 12;
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }
}
