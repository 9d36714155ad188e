using System.Text;
using Gateway.Api.Providers;

namespace Gateway.Tests.Api.Providers;

/// <summary>A provider-shaped body keeps every byte of the client's fields it does not drop.</summary>
[Trait("Category", "Unit")]
public sealed class JsonBodyTests
{
    [Fact]
    public void Dropped_fields_go_added_fields_lead_and_the_rest_is_copied_verbatim()
    {
        const string body = """{"model":"claude-x", "max_tokens" : 1.0e3,"stream":true,"system":[{"type":"text","text":"\u00e9","cache_control":{"type":"ephemeral"}}],"odd":{"a":[1,2,{"b":null}]}}""";

        var rewritten = JsonBody.Rewrite(Encoding.UTF8.GetBytes(body), ["model", "stream"],
            [("anthropic_version", JsonBody.Quote("bedrock-2023-05-31")), ("anthropic_beta", JsonBody.StringArray(["b1", "b2"]))]);

        Assert.Equal("""{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["b1","b2"],"max_tokens" : 1.0e3,"system":[{"type":"text","text":"\u00e9","cache_control":{"type":"ephemeral"}}],"odd":{"a":[1,2,{"b":null}]}}""",
            Encoding.UTF8.GetString(rewritten));
    }

    [Fact]
    public void A_field_the_client_sent_wins_over_an_added_one_unless_it_is_dropped()
    {
        var body = """{"anthropic_version":"bedrock-2023-05-31","model":"claude-x"}"""u8.ToArray();

        var kept = JsonBody.Rewrite(body, [], [("anthropic_version", JsonBody.Quote("other"))]);
        var replaced = JsonBody.Rewrite(body, ["model"], [("model", JsonBody.Quote("claude-x@2025"))]);

        Assert.Equal("""{"anthropic_version":"bedrock-2023-05-31","model":"claude-x"}""", Encoding.UTF8.GetString(kept));
        Assert.Equal("""{"model":"claude-x@2025","anthropic_version":"bedrock-2023-05-31"}""", Encoding.UTF8.GetString(replaced));
    }

    [Fact]
    public void A_field_name_with_an_unpaired_surrogate_escape_is_kept_as_sent()
    {
        var body = """{"\ud800x":1,"model":"claude-x","messages":[]}"""u8.ToArray();

        var rewritten = JsonBody.Rewrite(body, ["model"], [("model", JsonBody.Quote("claude-y"))]);

        Assert.Equal("""{"model":"claude-y","\ud800x":1,"messages":[]}""", Encoding.UTF8.GetString(rewritten));
    }
}
