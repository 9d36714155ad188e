using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.DataPlane;
using Gateway.Api.Fronts.Bedrock;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.Fronts.Bedrock;

/// <summary>Bedrock's count-tokens request and answer, and what its errors look like.</summary>
[Trait("Category", "Unit")]
public sealed class BedrockFrontTests
{
    [Fact]
    public void Count_tokens_reads_the_invoke_model_body_and_answers_input_tokens()
    {
        var invokeBody = """{"anthropic_version":"bedrock-2023-05-31","max_tokens":512,"messages":[{"role":"user","content":"hi"}]}""";
        var body = new JsonObject { ["input"] = new JsonObject { ["invokeModel"] = new JsonObject { ["body"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(invokeBody)) } } };
        var front = new BedrockFront("anthropic.claude-haiku-4-5-20251001-v1:0", BedrockAction.CountTokens);

        var translated = front.TranslateRequest(Encoding.UTF8.GetBytes(body.ToJsonString()), new DefaultHttpContext().Request, out var problem);

        Assert.Null(problem);
        Assert.Equal(MessagesRequest.Shape.CountTokens, front.Shape);
        Assert.Equal("""{"model":"anthropic.claude-haiku-4-5-20251001-v1:0","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8.GetString(translated!));
        Assert.Equal("""{"inputTokens":42}""", Encoding.UTF8.GetString(front.TranslateAnswer("""{"input_tokens":42}"""u8.ToArray())));
    }

    [Theory]
    [InlineData("""{}""", "input: Field required")]
    [InlineData("""{"input":{"converse":{"messages":[]}}}""", "input.converse: this gateway counts tokens of InvokeModel bodies only")]
    [InlineData("""{"input":{"invokeModel":{}}}""", "input.invokeModel.body: Field required")]
    [InlineData("""{"input":{"invokeModel":{"body":"not base64!"}}}""", "input.invokeModel.body: not valid base64")]
    [InlineData("""{"input":{"invokeModel":{"body":"e30="}}} extra""", "The request body is not valid JSON")]
    public void A_count_tokens_request_it_cannot_read_is_refused_naming_the_field(string body, string expected)
    {
        var front = new BedrockFront("anthropic.claude-haiku-4-5-20251001-v1:0", BedrockAction.CountTokens);

        Assert.Null(front.TranslateRequest(Encoding.UTF8.GetBytes(body), new DefaultHttpContext().Request, out var problem));
        Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void An_answer_that_is_no_count_is_relayed_as_it_came_and_messages_are_untouched()
    {
        var garbage = "{\"unexpected\":true"u8.ToArray();
        var message = """{"type":"message","content":[]}"""u8.ToArray();

        Assert.Same(garbage, new BedrockFront("m", BedrockAction.CountTokens).TranslateAnswer(garbage));
        Assert.Same(message, new BedrockFront("m", BedrockAction.Invoke).TranslateAnswer(message));
    }

    [Theory]
    [InlineData(400, "invalid_request_error", "ValidationException")]
    [InlineData(401, "authentication_error", "UnrecognizedClientException")]
    [InlineData(402, "billing_error", "ServiceQuotaExceededException")]
    [InlineData(403, "permission_error", "AccessDeniedException")]
    [InlineData(404, "not_found_error", "ResourceNotFoundException")]
    [InlineData(413, "request_too_large", "ValidationException")]
    [InlineData(429, "rate_limit_error", "ThrottlingException")]
    [InlineData(502, "api_error", "InternalServerException")]
    [InlineData(503, "overloaded_error", "ServiceUnavailableException")]
    [InlineData(504, "timeout_error", "ModelTimeoutException")]
    public async Task Errors_are_written_the_way_bedrock_writes_them(int status, string type, string exception)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await BedrockErrorShape.Instance.WriteAsync(context, status, type, "What \"went\" wrong.");

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(exception, context.Response.Headers["x-amzn-ErrorType"].ToString());
        Assert.Equal("application/json", context.Response.ContentType);
        var body = ((MemoryStream)context.Response.Body).ToArray();
        Assert.Equal(body.Length, context.Response.ContentLength);
        Assert.Equal("""{"message":"What \"went\" wrong."}""", Encoding.UTF8.GetString(body));
    }
}
