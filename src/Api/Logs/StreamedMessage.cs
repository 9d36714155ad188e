using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Api.Logs;

/// <summary>
/// Assembles a streamed Messages API answer (its SSE events' data, one JSON per line) into the message a
/// non-streaming call would have returned: text, thinking and tool-use input joined from their deltas, stop reason
/// and usage from <c>message_delta</c>. An <c>error</c> event is kept as the message's <c>error</c>.
/// </summary>
public static class StreamedMessage
{
    public static JsonObject Assemble(ReadOnlySpan<byte> transcript)
    {
        var message = new JsonObject();
        var content = new JsonArray();
        var partialJson = new Dictionary<int, StringBuilder>();
        foreach (var range in transcript.Split((byte)'\n'))
        {
            var line = transcript[range];
            if (line.IsEmpty || Parse(line) is not JsonObject evt)
            {
                continue;
            }
            switch ((string?)evt["type"])
            {
                case "message_start" when evt["message"] is JsonObject start:
                    foreach (var (name, value) in start)
                    {
                        message[name] = value?.DeepClone();
                    }
                    break;
                case "content_block_start" when Index(evt) is { } index && evt["content_block"] is JsonObject block:
                    while (content.Count <= index)
                    {
                        content.Add(new JsonObject());
                    }
                    content[index] = block.DeepClone();
                    break;
                case "content_block_delta" when Index(evt) is { } index && index < content.Count && evt["delta"] is JsonObject delta
                    && content[index] is JsonObject target:
                    ApplyDelta(target, delta, index, partialJson);
                    break;
                case "content_block_stop" when Index(evt) is { } index && index < content.Count
                    && partialJson.Remove(index, out var json) && content[index] is JsonObject tool:
                    tool["input"] = json.Length == 0 ? new JsonObject() : Parse(Encoding.UTF8.GetBytes(json.ToString())) ?? JsonValue.Create(json.ToString());
                    break;
                case "message_delta":
                    if (evt["delta"] is JsonObject messageDelta)
                    {
                        foreach (var (name, value) in messageDelta)
                        {
                            message[name] = value?.DeepClone();
                        }
                    }
                    if (evt["usage"] is JsonObject usage)
                    {
                        var merged = message["usage"] as JsonObject ?? new JsonObject();
                        foreach (var (name, value) in usage)
                        {
                            merged[name] = value?.DeepClone();
                        }
                        message["usage"] = merged;
                    }
                    break;
                case "error":
                    message["error"] = evt["error"]?.DeepClone();
                    break;
            }
        }
        message["content"] = content;
        return message;
    }

    private static void ApplyDelta(JsonObject block, JsonObject delta, int index, Dictionary<int, StringBuilder> partialJson)
    {
        switch ((string?)delta["type"])
        {
            case "text_delta":
                block["text"] = (string?)block["text"] + (string?)delta["text"];
                break;
            case "thinking_delta":
                block["thinking"] = (string?)block["thinking"] + (string?)delta["thinking"];
                break;
            case "signature_delta":
                block["signature"] = (string?)delta["signature"];
                break;
            case "input_json_delta":
                if (!partialJson.TryGetValue(index, out var json))
                {
                    partialJson[index] = json = new StringBuilder();
                }
                json.Append((string?)delta["partial_json"]);
                break;
            case "citations_delta" when delta["citation"] is { } citation:
                var citations = block["citations"] as JsonArray ?? [];
                citations.Add(citation.DeepClone());
                block["citations"] = citations;
                break;
        }
    }

    private static int? Index(JsonObject evt) => evt["index"] is JsonValue value && value.TryGetValue<int>(out var index) && index is >= 0 and < 10_000 ? index : null;

    private static JsonNode? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
