using System.Text;
using Gateway.Api.DataPlane;

namespace Gateway.Tests.Api.DataPlane;

[Trait("Category", "Unit")]
public sealed class MessagesRequestTests
{
    [Fact]
    public void The_fields_the_gateway_routes_and_bounds_by_are_read_in_one_pass()
    {
        var body = """{"system":"be brief","model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi \"model\""}],"stream":true,"max_tokens":512}""";

        var request = MessagesRequest.TryRead(Encoding.UTF8.GetBytes(body), MessagesRequest.Shape.Messages, out var problem);

        Assert.Null(problem);
        Assert.Equal(("claude-sonnet-4-5", true, 512), (request!.Model, request.Stream, request.MaxTokens));
        // The model token's place in the bytes, for adapters that rewrite it in place.
        var field = request.ModelField;
        Assert.Equal("\"claude-sonnet-4-5\"", body.Substring(field.Start, field.Length));
    }

    [Fact]
    public void Count_tokens_needs_no_max_tokens()
    {
        var request = MessagesRequest.TryRead("""{"model":"m","messages":[]}"""u8, MessagesRequest.Shape.CountTokens, out var problem);

        Assert.Null(problem);
        Assert.Equal((false, (int?)null), (request!.Stream, request.MaxTokens));
    }

    [Theory]
    [InlineData("", "The request body is empty; expected a JSON object.")]
    [InlineData("[]", "The request body must be a JSON object.")]
    [InlineData("""{"messages":[],"max_tokens":1}""", "model: Field required")]
    [InlineData("""{"model":"m","max_tokens":1}""", "messages: Field required")]
    [InlineData("""{"model":"m","messages":[]}""", "max_tokens: Field required")]
    [InlineData("""{"model":7,"messages":[],"max_tokens":1}""", "model: Input should be a valid string")]
    [InlineData("""{"model":"m","messages":{},"max_tokens":1}""", "messages: Input should be a valid list")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":0}""", "max_tokens: Input should be greater than or equal to 1")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":1.5}""", "max_tokens: Input should be a valid integer")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":99999999999}""", "max_tokens: Input should be a valid integer")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":1,"stream":"yes"}""", "stream: Input should be a valid boolean")]
    public void A_missing_or_mistyped_field_is_named(string body, string expected)
    {
        Assert.Null(MessagesRequest.TryRead(Encoding.UTF8.GetBytes(body), MessagesRequest.Shape.Messages, out var problem));
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("""{"model":"cheap","model":"dear","messages":[],"max_tokens":1}""", "model: duplicate field")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":1,"max_tokens":100000}""", "max_tokens: duplicate field")]
    [InlineData("""{"model":"m","stream":false,"stream":true,"messages":[],"max_tokens":1}""", "stream: duplicate field")]
    [InlineData("""{"model":"m","messages":[],"messages":[],"max_tokens":1}""", "messages: duplicate field")]
    public void A_duplicate_field_is_refused_because_providers_disagree_on_which_wins(string body, string expected)
    {
        Assert.Null(MessagesRequest.TryRead(Encoding.UTF8.GetBytes(body), MessagesRequest.Shape.Messages, out var problem));
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[],"max_tokens":1} {}""")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":1""")]
    [InlineData("""{"model":"m","messages":[}""")]
    public void A_body_that_is_not_one_json_object_is_refused(string body)
    {
        Assert.Null(MessagesRequest.TryRead(Encoding.UTF8.GetBytes(body), MessagesRequest.Shape.Messages, out var problem));
        Assert.StartsWith("The request body is not valid JSON", problem);
    }

    [Fact]
    public void A_model_that_would_corrupt_what_the_gateway_records_is_refused()
    {
        var request = MessagesRequest.TryRead("""{"model":"m\u0000x","messages":[],"max_tokens":1}"""u8, MessagesRequest.Shape.Messages, out var problem);

        Assert.Null(request);
        Assert.StartsWith("model: ", problem);
    }
}
