using System.Text.Json.Nodes;
using Gateway.Api.Logs;

namespace Gateway.Tests.Api.Logs;

[Trait("Category", "Unit")]
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

        Assert.True(Redactor.Apply(body, ["email", "card_number", @"ABC-\d{6}"], RedactionBudget.PerBody()));

        Assert.Equal("Reply to [REDACTED:email]", body!["system"]!.GetValue<string>());
        Assert.Equal("Card [REDACTED:card_number], ticket [REDACTED], mail [REDACTED:email]",
            body["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("[REDACTED:email]", body["metadata"]!["user_id"]!.GetValue<string>());
        // Numbers and keys are structure, not text: they stay.
        Assert.Equal(4111111111111111, body["max_tokens"]!.GetValue<long>());
        Assert.NotNull(JsonNode.Parse(body.ToJsonString()));
    }

    [Fact]
    public void A_body_of_30_000_strings_is_redacted_within_its_budget_and_what_the_budget_does_not_reach_is_masked_whole()
    {
        // 30,000 strings of 40 characters against three patterns: 3.6 M characters scanned, within 8 M ...
        static JsonObject Body() => new() { ["items"] = new JsonArray([.. Enumerable.Range(0, 30_000).Select(i => (JsonNode)$"item {i:D6} mail u{i:D5}@example.org pads")]) };
        var body = Body();
        Assert.Equal(40, body["items"]![0]!.GetValue<string>().Length);
        // The character budget is what this checks; the time limit gets slack, for a loaded machine.
        Assert.True(Redactor.Apply(body, ["email", "card_number", "phone"], new RedactionBudget(RedactionBudget.PerBodyCharacters, TimeSpan.FromMinutes(1))));
        Assert.Equal("item 029999 mail [REDACTED:email] pads", body["items"]![29_999]!.GetValue<string>());

        // ... and with a budget for 1,000 of them, the rest are withheld whole, never stored unmasked.
        var small = new RedactionBudget(1_000 * 40 * 3, TimeSpan.FromMinutes(1));
        body = Body();
        Assert.False(Redactor.Apply(body, ["email", "card_number", "phone"], small));
        Assert.Equal("item 000999 mail [REDACTED:email] pads", body["items"]![999]!.GetValue<string>());
        Assert.All(body["items"]!.AsArray().Skip(1_000), s => Assert.Equal("[REDACTED]", s!.GetValue<string>()));
    }

    [Fact]
    public void A_catastrophic_expression_runs_in_linear_time_on_the_non_backtracking_engine()
    {
        // (a+)+$ against "aaaa…b" takes exponential time on a backtracking engine.
        var body = new JsonObject { ["text"] = new string('a', 50_000) + "b" };

        Assert.True(Redactor.Apply(body, ["(a+)+$"], RedactionBudget.PerBody()));
        Assert.Equal(new string('a', 50_000) + "b", body["text"]!.GetValue<string>());
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
