using System.Text.Json.Nodes;
using Gateway.Api.Logs;

namespace Gateway.Tests.Api.Logs;

public sealed class RedactorTests
{
    [Fact]
    public void Named_patterns_and_expressions_are_masked_in_every_string_and_the_json_stays_valid()
    {
        var body = JsonNode.Parse("""
            {"model":"claude-sonnet-4-5","max_tokens":4111111111111111,
             "system":"Reply to ops@example.org",
             "messages":[{"role":"user","content":[{"type":"text","text":"Card 4111-1111-1111-1111, ticket ABC-123456, mail a.b+c@mail.example.co.uk"}]}],
             "metadata":{"user_id":"x@y.io"}}
            """);

        Redactor.Apply(body, ["email", "card_number", @"ABC-\d{6}"]);

        Assert.Equal("Reply to [REDACTED:email]", body!["system"]!.GetValue<string>());
        Assert.Equal("Card [REDACTED:card_number], ticket [REDACTED], mail [REDACTED:email]",
            body["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("[REDACTED:email]", body["metadata"]!["user_id"]!.GetValue<string>());
        // Numbers and keys are structure, not text: they stay.
        Assert.Equal(4111111111111111, body["max_tokens"]!.GetValue<long>());
        Assert.NotNull(JsonNode.Parse(body.ToJsonString()));
    }

    [Fact]
    public void Nul_characters_are_replaced_so_postgresql_can_store_the_body()
    {
        var body = JsonNode.Parse("{\"text\":\"a\\u0000b\",\"list\":[\"\\u0000\"]}");

        JsonStrings.RemoveNul(body);

        Assert.Equal("a\uFFFDb", body!["text"]!.GetValue<string>());
        Assert.DoesNotContain("\\u0000", body.ToJsonString());
    }
}
