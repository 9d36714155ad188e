using System.Text;
using Gateway.Api.DataPlane;
using Gateway.Projections.Models;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>What the meter counts of a stream's output as it goes by: the bytes a cut stream is billed by.</summary>
[Trait("Category", "Unit")]
public sealed class UsageMeterTests
{
    [Fact]
    public void Text_thinking_and_tool_input_deltas_count_their_bytes_and_nothing_else_does()
    {
        var meter = new UsageMeter();

        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo"}}"""));
        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"hmm"}}"""));
        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"""));
        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":1,"delta":{"type":"signature_delta","signature":"EqQBCkYIBxgCKkB"}}"""));
        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":1}}"""));
        meter.CountOutput(Bytes("""{"type":"content_block_delta","index":0,"delta":"""));

        // 6 bytes of "héllo" + 3 + 7 escaped bytes of {\"a\": — never fewer bytes than the text's tokens.
        Assert.Equal(6 + 3 + 7, meter.OutputBytesSeen);
    }

    [Fact]
    public void A_text_field_outside_the_delta_is_not_output()
    {
        var meter = new UsageMeter();

        meter.CountOutput(Bytes("""{"type":"content_block_delta","text":"not output","index":0,"delta":{"type":"text_delta","text":"ab"}}"""));

        Assert.Equal(2, meter.OutputBytesSeen);
    }

    [Fact]
    public void A_completed_stream_bills_the_server_tool_uses_its_usage_reports_and_every_code_run_it_showed()
    {
        var meter = new UsageMeter();

        meter.ReadEvent(Bytes("""{"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"output_tokens":1}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s1","name":"web_search","input":{}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":1,"content_block":{"name":"web_search","id":"s2","type":"server_tool_use","input":{}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":2,"content_block":{"type":"server_tool_use","id":"s3","name":"bash_code_execution","input":{}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"t1","name":"web_search","input":{}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":4,"content_block":{"type":"text","text":"server_tool_use"}}"""));
        // The provider counts one search (the other failed, unbilled).
        meter.ReadEvent(Bytes("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9,"server_tool_use":{"web_search_requests":1,"web_fetch_requests":0}}}"""));
        meter.ReadEvent(Bytes("""{"type":"message_stop"}"""));

        Assert.Equal(new ServerToolUses(2, 0, 1), meter.SeenToolUses);
        Assert.Equal(new ServerToolUses(1, 0, 1), meter.ToolUses);
    }

    [Fact]
    public void A_stream_cut_before_its_final_usage_bills_every_server_tool_call_it_showed()
    {
        var meter = new UsageMeter();

        meter.ReadEvent(Bytes("""{"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"output_tokens":1,"server_tool_use":{"web_search_requests":0}}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s1","name":"web_search","input":{}}}"""));
        meter.ReadBlockStart(Bytes("""{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"s2","name":"web_fetch","input":{}}}"""));

        Assert.False(meter.Completed);
        Assert.Equal(new ServerToolUses(1, 1, 0), meter.ToolUses);
    }

    [Fact]
    public void A_whole_message_counts_its_server_tool_blocks_and_its_reported_uses()
    {
        var meter = new UsageMeter();

        meter.ReadMessage(Bytes("""
            {"id":"m","type":"message","content":[
              {"type":"server_tool_use","id":"s1","name":"web_fetch","input":{"url":"https://example.com"}},
              {"type":"web_fetch_tool_result","tool_use_id":"s1","content":{"type":"web_fetch_result"}},
              {"type":"server_tool_use","id":"s2","name":"code_execution","input":{"code":"1"}},
              {"type":"text","text":"done"}],
             "stop_reason":"end_turn",
             "usage":{"input_tokens":5,"output_tokens":2,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":1}}}
            """));

        Assert.Equal(new ServerToolUses(0, 1, 1), meter.ToolUses);
    }

    [Fact]
    public void A_provider_that_does_not_report_server_tool_uses_is_billed_for_the_calls_it_showed()
    {
        var meter = new UsageMeter();

        meter.ReadMessage(Bytes("""{"content":[{"type":"server_tool_use","id":"s1","name":"web_search","input":{}}],"usage":{"input_tokens":5,"output_tokens":2}}"""));

        Assert.Equal(new ServerToolUses(1, 0, 0), meter.ToolUses);
    }

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);
}
