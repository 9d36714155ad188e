using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Budgets;
using Gateway.Projections.Models;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Budgets;

[Trait("Category", "Unit")]
public sealed class CostBoundTests
{
    [Fact]
    public void Text_is_bounded_by_the_bodys_bytes_plus_the_overhead_and_output_by_max_tokens()
    {
        var body = Encoding.UTF8.GetBytes(Requests.MessagesBody("Ünïcödé text costs at most a token per byte", maxTokens: 777));

        var bound = CostBound.Measure(body, 777);

        Assert.Equal(body.Length + CostBound.OverheadTokens, bound.PromptTokens);
        Assert.Equal(body.Length + CostBound.OverheadTokens, bound.Within(null).InputTokens);
        Assert.Equal(777, bound.OutputTokens);
        Assert.False(bound.UsesCache);
    }

    [Fact]
    public void A_base64_image_counts_its_stated_bound_not_its_bytes()
    {
        var data = Convert.ToBase64String(new byte[300_000]);
        var withImage = Body(new JsonObject
        {
            ["type"] = "image",
            ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = data },
        });
        var bound = CostBound.Measure(withImage, 10);

        Assert.Equal(withImage.Length - data.Length + CostBound.ImageTokens + CostBound.OverheadTokens, bound.PromptTokens);
    }

    [Fact]
    public void A_pdf_url_or_file_document_may_fill_the_context_window_and_a_text_document_counts_its_bytes()
    {
        // A PDF page is text and an image: a short file can hold more tokens than it has bytes.
        var pdf = Body(new JsonObject
        {
            ["source"] = new JsonObject { ["data"] = "JVBERi0x", ["media_type"] = "application/pdf", ["type"] = "base64" },
            ["type"] = "document",
        });
        Assert.Equal(200_000, CostBound.Measure(pdf, 1).Within(200_000).InputTokens);
        Assert.Equal(CostBound.MaxInputTokens, CostBound.Measure(pdf, 1).Within(null).InputTokens);

        var url = Body(new JsonObject
        {
            ["type"] = "document",
            ["source"] = new JsonObject { ["type"] = "url", ["url"] = "https://example.com/a.pdf" },
        });
        Assert.Equal(1, CostBound.Measure(url, 1).Documents);
        Assert.Equal(200_000, CostBound.Measure(url, 1).Within(200_000).InputTokens);

        var text = Body(new JsonObject
        {
            ["type"] = "document",
            ["source"] = new JsonObject { ["type"] = "text", ["media_type"] = "text/plain", ["data"] = "plain words" },
        });
        Assert.Equal(text.Length + CostBound.OverheadTokens, CostBound.Measure(text, 1).Within(200_000).InputTokens);
    }

    [Fact]
    public void A_tool_schema_property_named_source_is_not_media()
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model"] = "m",
            ["tools"] = new JsonArray(new JsonObject
            {
                ["name"] = "cite",
                ["input_schema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["source"] = new JsonObject { ["type"] = "string" } },
                },
            }),
        }.ToJsonString());

        Assert.Equal(body.Length + CostBound.OverheadTokens, CostBound.Measure(body, 1).Within(null).InputTokens);
    }

    [Fact]
    public void Asking_for_prompt_caching_prices_every_input_token_at_the_dearest_class()
    {
        var body = Body(new JsonObject { ["type"] = "text", ["text"] = "long context", ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } });
        var bound = CostBound.Measure(body, 100);
        var sonnet = ModelCatalog.Default.Price("claude-sonnet-4-5", null)!;

        Assert.True(bound.UsesCache);
        Assert.Equal((bound.PromptTokens * 6m + 100 * 15m) / 1_000_000m, bound.Cost(sonnet, ServerToolPrices.None, 1_000_000));
    }

    [Fact]
    public void Input_is_capped_at_the_models_context_window()
    {
        var huge = Encoding.UTF8.GetBytes(Requests.MessagesBody(new string('x', 3_000_000)));

        Assert.Equal(CostBound.MaxInputTokens, CostBound.Measure(huge, 1).Within(null).InputTokens);
        Assert.Equal(200_000, CostBound.Measure(huge, 1).Within(200_000).InputTokens);
    }

    private static byte[] Body(JsonObject block) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["model"] = "claude-sonnet-4-5",
        ["max_tokens"] = 10,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(block) }),
    }.ToJsonString());

    [Fact]
    public void A_body_with_an_unpaired_surrogate_escape_is_bounded_by_its_bytes_at_the_dearest_class()
    {
        // Found by the fuzz suite: reading a property name with "\ud800" threw, a 500.
        var body = Encoding.UTF8.GetBytes("""{"model":"claude-opus-5-5","max_tokens":10,"messages":[{"role":"user","\ud800":"x","content":"hi"}]}""");

        var bound = CostBound.Measure(body, 10);

        Assert.Equal(body.Length + CostBound.OverheadTokens, bound.PromptTokens);
        Assert.True(bound.UsesCache);
    }
}
