using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Logs;

namespace Gateway.Tests.Api.Logs;

[Trait("Category", "Unit")]
public sealed class StreamedMessageTests
{
    [Fact]
    public void Thinking_text_and_tool_use_deltas_assemble_into_the_final_message()
    {
        var transcript = string.Join('\n',
            """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":12,"cache_read_input_tokens":5,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me "}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"think."}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig=="}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello, "}}""",
            """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"world."}}""",
            """{"type":"content_block_stop","index":1}""",
            """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}""",
            """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"Par"}}""",
            """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}""",
            """{"type":"content_block_stop","index":2}""",
            """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}""",
            """{"type":"message_stop"}""");

        var message = StreamedMessage.Assemble(Encoding.UTF8.GetBytes(transcript));

        var expected = JsonNode.Parse("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"thinking","thinking":"Let me think.","signature":"sig=="},
                        {"type":"text","text":"Hello, world."},
                        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_read_input_tokens":5,"output_tokens":42}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, message), message.ToJsonString());
    }

    [Fact]
    public void An_error_event_is_kept_and_a_line_that_is_not_json_is_skipped()
    {
        var transcript = string.Join('\n',
            """{"type":"message_start","message":{"id":"msg_2","type":"message","content":[],"usage":{"input_tokens":3}}}""",
            "not json at all",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Partial"}}""",
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");

        var message = StreamedMessage.Assemble(Encoding.UTF8.GetBytes(transcript));

        Assert.Equal("Partial", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("overloaded_error", message["error"]!["type"]!.GetValue<string>());
    }
}
