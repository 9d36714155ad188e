using System.Text;
using Gateway.Api.Providers.Bedrock;
using Gateway.Fakes;

namespace Gateway.Tests.Api.Providers.Bedrock;

/// <summary>Bedrock's failures, answered or streamed, become the statuses and types an Anthropic client expects.</summary>
[Trait("Category", "Unit")]
public sealed class BedrockErrorsTests
{
    private const string Coral = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
    private const string Credential = "Provider 'bedrock-us' rejected the gateway's credential.";

    [Theory]
    [InlineData(400, "ValidationException", 400, "invalid_request_error")]
    [InlineData(404, "ResourceNotFoundException", 404, "not_found_error")]
    [InlineData(429, "ThrottlingException", 429, "rate_limit_error")]
    [InlineData(400, "ServiceQuotaExceededException", 429, "rate_limit_error")]
    [InlineData(408, "ModelTimeoutException", 504, "timeout_error")]
    [InlineData(500, "InternalServerException", 500, "api_error")]
    [InlineData(503, "ServiceUnavailableException", 529, "overloaded_error")]
    [InlineData(429, "ModelNotReadyException", 529, "overloaded_error")]
    [InlineData(424, "ModelErrorException", 502, "api_error")]
    public void Named_errors_map_by_name_and_keep_the_message(int status, string name, int expectedStatus, string expectedType)
    {
        var result = BedrockErrors.Map("bedrock-us", status, name + Coral, """{"message":"What Bedrock said."}"""u8);

        Assert.Equal((expectedStatus, expectedType, "What Bedrock said."), result);
    }

    [Theory]
    [InlineData(403, "AccessDeniedException")]
    [InlineData(403, "UnrecognizedClientException")]
    [InlineData(403, "InvalidSignatureException")]
    [InlineData(403, "ExpiredTokenException")]
    [InlineData(403, "IncompleteSignatureException")]
    [InlineData(403, "MissingAuthenticationTokenException")]
    [InlineData(400, "unrecognizedclientexception")]
    public void A_refused_gateway_credential_is_a_502_the_client_cannot_fix(int status, string name)
    {
        var result = BedrockErrors.Map("bedrock-us", status, name + Coral,
            """{"Message":"The security token included in the request is invalid."}"""u8);

        Assert.Equal((502, "api_error", Credential), result);
    }

    [Theory]
    [InlineData(400, 400, "invalid_request_error")]
    [InlineData(401, 502, "api_error")]
    [InlineData(403, 403, "permission_error")]
    [InlineData(404, 404, "not_found_error")]
    [InlineData(408, 504, "timeout_error")]
    [InlineData(413, 413, "request_too_large")]
    [InlineData(424, 502, "api_error")]
    [InlineData(429, 429, "rate_limit_error")]
    [InlineData(500, 500, "api_error")]
    [InlineData(502, 502, "api_error")]
    [InlineData(503, 529, "overloaded_error")]
    [InlineData(504, 504, "api_error")]
    public void Unknown_or_missing_names_map_by_status(int status, int expectedStatus, string expectedType)
    {
        var (mappedStatus, type, _) = BedrockErrors.Map("bedrock-us", status, "SomethingNewException" + Coral, []);
        Assert.Equal((expectedStatus, expectedType), (mappedStatus, type));

        var (noHeaderStatus, noHeaderType, _) = BedrockErrors.Map("bedrock-us", status, null, "<html>Bad Gateway</html>"u8);
        Assert.Equal((expectedStatus, expectedType), (noHeaderStatus, noHeaderType));
    }

    [Fact]
    public void The_body_names_the_error_when_the_header_is_missing()
    {
        var result = BedrockErrors.Map("bedrock-us", 400, null,
            """{"__type":"com.amazon.coral.service#ThrottlingException","Message":"Rate exceeded"}"""u8);

        Assert.Equal((429, "rate_limit_error", "Rate exceeded"), result);
    }

    [Fact]
    public void Without_a_message_the_status_and_name_are_described()
    {
        var (_, _, message) = BedrockErrors.Map("bedrock-us", 429, "ThrottlingException" + Coral, "{}"u8);
        Assert.Equal("Provider 'bedrock-us' answered with status 429 (ThrottlingException).", message);

        var (_, _, unnamed) = BedrockErrors.Map("bedrock-us", 500, null, []);
        Assert.Equal("Provider 'bedrock-us' answered with status 500.", unnamed);
    }

    [Theory]
    [InlineData("throttlingException", 429, "rate_limit_error")]
    [InlineData("modelStreamErrorException", 502, "api_error")]
    [InlineData("validationException", 400, "invalid_request_error")]
    [InlineData("internalServerException", 500, "api_error")]
    [InlineData("serviceUnavailableException", 529, "overloaded_error")]
    [InlineData("modelTimeoutException", 504, "timeout_error")]
    [InlineData("somethingNewException", 500, "api_error")]
    public async Task Exception_frames_map_by_their_exception_type(string exceptionType, int status, string type)
    {
        var frame = await DecodeAsync(EventStreamEncoder.Exception(exceptionType, "Stream went wrong."));

        Assert.Equal((status, type, "Stream went wrong."), BedrockErrors.FromFrame("bedrock-us", frame));
    }

    [Fact]
    public async Task Error_frames_map_by_their_error_code_and_message_headers()
    {
        var frame = await DecodeAsync(EventStreamEncoder.Error("ThrottlingException", "Slow down."));

        Assert.Equal((429, "rate_limit_error", "Slow down."), BedrockErrors.FromFrame("bedrock-us", frame));
    }

    [Fact]
    public async Task A_credential_exception_mid_stream_is_the_gateway_s_problem()
    {
        var frame = await DecodeAsync(EventStreamEncoder.Exception("expiredTokenException", "The security token included in the request is expired"));

        Assert.Equal((502, "api_error", Credential), BedrockErrors.FromFrame("bedrock-us", frame));
    }

    [Fact]
    public void An_exception_frame_without_a_usable_payload_is_described()
    {
        var frame = new EventStreamMessage(
            [new(":message-type", "exception"), new(":exception-type", "modelTimeoutException")], Encoding.UTF8.GetBytes("not json"));

        Assert.Equal((504, "timeout_error", "Provider 'bedrock-us' failed mid-stream (modelTimeoutException)."),
            BedrockErrors.FromFrame("bedrock-us", frame));
    }

    private static async Task<EventStreamMessage> DecodeAsync(byte[] bytes)
    {
        using var decoder = new EventStreamDecoder(new MemoryStream(bytes));
        var message = await decoder.ReadAsync();
        Assert.NotNull(message);
        // The payload points into the decoder's buffer: keep a copy past its disposal.
        return new EventStreamMessage(message.Headers, message.Payload.ToArray());
    }
}
