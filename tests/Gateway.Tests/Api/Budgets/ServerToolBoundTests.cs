using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Budgets;
using Gateway.Projections.Models;

namespace Gateway.Tests.Api.Budgets;

/// <summary>Server tools add sampling rounds, result tokens and fees the body does not show: the bound must hold them.</summary>
[Trait("Category", "Unit")]
public sealed class ServerToolBoundTests
{
    private const long Window = 200_000;

    [Fact]
    public void Web_search_with_max_uses_holds_a_round_per_use_each_up_to_the_context_window_and_a_fee_per_search()
    {
        var body = Body(new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = 3 });

        var bound = CostBound.Measure(body, 1_000).Within(Window);

        // Up to four rounds (the first, then one after each search), each a prompt as large as the window allows.
        Assert.Equal(4 * Window, bound.InputTokens);
        Assert.Equal(4 * 1_000, bound.OutputTokens);
        Assert.Equal(new ServerToolUses(3, 0, 0), bound.ToolUses);
        var sonnet = ModelCatalog.Default.Price("claude-sonnet-4-6", null)!;
        var fees = ModelCatalog.Default.ServerTools;
        Assert.Equal(0.01m, fees.WebSearchPerUse);
        Assert.Equal((4 * Window * 3m + 4_000 * 15m) / 1_000_000m + 0.03m, bound.Cost(sonnet, fees));
    }

    [Fact]
    public void Web_fetch_with_max_content_tokens_adds_only_that_much_per_fetch_and_costs_no_fee()
    {
        var body = Body(new JsonObject { ["type"] = "web_fetch_20250910", ["name"] = "web_fetch", ["max_uses"] = 2, ["max_content_tokens"] = 5_000 });
        var measured = CostBound.Measure(body, 10);

        var bound = measured.Within(Window);

        Assert.Equal(3 * (measured.PromptTokens + 2 * 5_000), bound.InputTokens);
        Assert.Equal(new ServerToolUses(0, 2, 0), bound.ToolUses);
        Assert.Equal(0m, ModelCatalog.Default.ServerTools.Fees(bound.ToolUses));
    }

    [Fact]
    public void Without_max_uses_the_provider_loop_limit_bounds_the_rounds_and_the_fees_are_held_for_the_stated_uses()
    {
        var body = Body(
            new JsonObject { ["type"] = "web_search_20260209", ["name"] = "web_search" },
            new JsonObject { ["type"] = "code_execution_20250825", ["name"] = "code_execution" });

        var bound = CostBound.Measure(body, 100).Within(Window);

        Assert.Equal(CostBound.SamplingIterations * Window, bound.InputTokens);
        Assert.Equal(CostBound.SamplingIterations * 100, bound.OutputTokens);
        Assert.Equal(new ServerToolUses(CostBound.UsesWithoutLimit, 0, CostBound.UsesWithoutLimit), bound.ToolUses);
        // Code execution: $0.05 per container hour, at least five minutes a run.
        Assert.Equal(0.0041666667m, ModelCatalog.Default.ServerTools.CodeExecutionPerUse);
    }

    [Fact]
    public void An_mcp_server_runs_tools_on_the_provider_so_its_rounds_are_held_but_it_has_no_fee()
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 10,
            ["mcp_servers"] = new JsonArray(new JsonObject { ["type"] = "url", ["url"] = "https://mcp.example.com/sse", ["name"] = "docs" }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString());

        var bound = CostBound.Measure(body, 10).Within(Window);

        Assert.Equal(CostBound.SamplingIterations * Window, bound.InputTokens);
        Assert.True(bound.ToolUses.IsEmpty);
    }

    [Fact]
    public void Client_tools_named_like_server_tools_and_an_empty_mcp_list_add_nothing()
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model"] = "claude-sonnet-4-6",
            ["max_tokens"] = 10,
            ["mcp_servers"] = new JsonArray(),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = "web_search",
                ["input_schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["type"] = new JsonObject { ["type"] = "string" } } },
            }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString());

        var measured = CostBound.Measure(body, 10);
        var bound = measured.Within(Window);

        Assert.Equal(body.Length + CostBound.OverheadTokens, bound.InputTokens);
        Assert.Equal(10, bound.OutputTokens);
        Assert.True(bound.ToolUses.IsEmpty);
    }

    [Fact]
    public void An_allowance_per_result_replaces_the_window_when_configured()
    {
        var body = Body(new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = 2 });
        var measured = CostBound.Measure(body, 10);

        var bound = measured.Within(Window, resultTokensPerUse: 30_000);

        Assert.Equal(3 * (measured.PromptTokens + 60_000), bound.InputTokens);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"3\"")]
    [InlineData("{\"n\":3}")]
    [InlineData("[3]")]
    [InlineData("99999999999999999999999")]
    public void A_max_uses_the_provider_would_refuse_bounds_nothing(string maxUses)
    {
        var body = Encoding.UTF8.GetBytes(
            """{"model":"claude-sonnet-4-6","max_tokens":10,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":MAX,"cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}"""
                .Replace("MAX", maxUses, StringComparison.Ordinal));

        var measured = CostBound.Measure(body, 10);
        var bound = measured.Within(Window);

        Assert.Equal(CostBound.SamplingIterations * Window, bound.InputTokens);
        Assert.Equal(CostBound.UsesWithoutLimit, bound.ToolUses.WebSearch);
        Assert.True(bound.UsesCache);
    }

    [Fact]
    public void A_huge_max_uses_is_held_at_the_ceiling()
    {
        var body = Body(new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = long.MaxValue });

        var bound = CostBound.Measure(body, 10).Within(Window);

        Assert.Equal(CostBound.MaxUsesCeiling, bound.ToolUses.WebSearch);
        Assert.Equal(CostBound.SamplingIterations * Window, bound.InputTokens);
    }

    [Fact]
    public void A_prompt_past_a_long_context_threshold_is_held_at_the_tiers_rates()
    {
        var body = Body(new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search", ["max_uses"] = 1 });
        var sonnet45 = ModelCatalog.Default.Price("claude-sonnet-4-5", null)!;

        var bound = CostBound.Measure(body, 100).Within(1_000_000);

        // Two rounds of up to a million tokens each: every token at the tier above 200k (6 in, 22.50 out).
        Assert.Equal((2_000_000 * 6m + 200 * 22.50m) / 1_000_000m + 0.01m, bound.Cost(sonnet45, ModelCatalog.Default.ServerTools));
    }

    private static byte[] Body(params JsonObject[] tools) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["model"] = "claude-sonnet-4-6",
        ["max_tokens"] = 10,
        ["tools"] = new JsonArray([.. tools]),
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "what is new?" }),
    }.ToJsonString());
}
