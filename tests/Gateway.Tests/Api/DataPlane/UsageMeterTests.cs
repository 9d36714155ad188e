using System.Text;
using Gateway.Api.DataPlane;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>What the meter counts of a stream's output as it goes by: the bytes a cut stream is billed by.</summary>
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

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);
}
