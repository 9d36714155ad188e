using System.Net.Http.Headers;
using System.Text;
using Gateway.Api.Providers.Bedrock;

namespace Gateway.Tests.Api.Providers.Bedrock;

/// <summary>
/// SigV4 against published vectors: AWS's aws-sig-v4-test-suite (the <c>.req</c>/<c>.creq</c>/<c>.authz</c> files,
/// service <c>service</c>, region <c>us-east-1</c>, 2015-08-30T12:36:00Z) and a Bedrock request signed by botocore.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AwsSigV4Tests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteDate = "20150830T123600Z";
    private const string SuiteCredential = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    // The X-Amz-Security-Token value of the suite's post-sts-token/post-sts-header-before.req.
    private const string SuiteSessionToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static readonly DateTimeOffset SuiteNow = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private const string BedrockUrl = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke";
    private const string BedrockBody = """{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public void A_bedrock_invoke_request_matches_botocore()
    {
        using var request = BedrockRequest();
        var body = Encoding.UTF8.GetBytes(BedrockBody);

        AwsSigV4.Sign(request, body, new AwsCredentials(AccessKey, Secret, null), "us-east-1", "bedrock",
            new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", AwsSigV4.CanonicalUri(request.RequestUri!.AbsolutePath));
        Assert.Equal("616eb59224eb795b641b4c541ad9ee8b939a1e8798f73b54fce66bb79ddbb992", AwsSigV4.PayloadHash(body));
        Assert.Equal("20250101T000000Z", Single(request, "X-Amz-Date"));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=f5f444486db00327eaced39416ef5e8653a0f956fd4048843974b725f15657c5",
            Single(request, "Authorization"));
        Assert.False(request.Headers.Contains("x-amz-security-token"));
    }

    /// <summary>Suite cases signed through <see cref="AwsSigV4.Sign"/>, each expected value the suite's <c>.authz</c>.</summary>
    [Theory]
    [InlineData("get-vanilla", "GET", "https://example.amazonaws.com/", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("post-vanilla", "POST", "https://example.amazonaws.com/", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [InlineData("get-vanilla-query-order-key", "GET", "https://example.amazonaws.com/?Param1=value2&Param1=Value1", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")]
    [InlineData("get-vanilla-empty-query-key", "GET", "https://example.amazonaws.com/?Param1=value1", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")]
    [InlineData("get-vanilla-utf8-query", "GET", "https://example.amazonaws.com/?\u1234=bar", null, null, false,
        "SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")]
    [InlineData("post-x-www-form-urlencoded", "POST", "https://example.amazonaws.com/", "application/x-www-form-urlencoded", "Param1=value1", false,
        "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")]
    [InlineData("post-x-www-form-urlencoded-parameters", "POST", "https://example.amazonaws.com/", "application/x-www-form-urlencoded; charset=utf8", "Param1=value1", false,
        "SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe")]
    [InlineData("post-sts-header-before", "POST", "https://example.amazonaws.com/", null, null, true,
        "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")]
    public void Sign_matches_the_aws_test_suite(string name, string method, string url, string? contentType, string? body,
        bool sessionToken, string expected)
    {
        _ = name;
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType!);
        }

        AwsSigV4.Sign(request, bytes, new AwsCredentials(AccessKey, Secret, sessionToken ? SuiteSessionToken : null),
            "us-east-1", "service", SuiteNow);

        Assert.Equal(SuiteCredential + expected, Single(request, "Authorization"));
        Assert.Equal(SuiteDate, Single(request, "X-Amz-Date"));
        if (sessionToken)
        {
            Assert.Equal(SuiteSessionToken, Single(request, "X-Amz-Security-Token"));
        }
    }

    /// <summary>Suite cases whose <c>.req</c> carries headers or raw paths an <see cref="HttpRequestMessage"/> would rewrite: explicit parts.</summary>
    [Theory]
    [InlineData("get-utf8", "/\u1234", "/%E1%88%B4",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")]
    [InlineData("get-space", "/example space/", "/example%20space/",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")]
    public void Raw_paths_are_encoded_as_the_suite_expects(string name, string rawPath, string canonicalUri, string signature)
    {
        _ = name;
        Assert.Equal(canonicalUri, AwsSigV4.CanonicalUri(rawPath));
        Assert.Equal(signature, AwsSigV4.ComputeSignature("GET", canonicalUri, "",
            [new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate)], EmptyHash, SuiteDate, "us-east-1", "service", Secret));
    }

    [Fact]
    public void Header_values_are_trimmed_and_inner_whitespace_collapsed_as_in_get_header_value_trim()
    {
        // get-header-value-trim.req: "My-Header1: value1" and "My-Header2: \"a   b   c\"".
        KeyValuePair<string, string>[] headers =
        [
            new("Host", "example.amazonaws.com"),
            new("My-Header1", " value1"),
            new("My-Header2", " \"a   b   c\""),
            new("X-Amz-Date", SuiteDate),
        ];

        Assert.Equal("host;my-header1;my-header2;x-amz-date", AwsSigV4.SignedHeaders(headers));
        Assert.Equal("acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            AwsSigV4.ComputeSignature("GET", "/", "", headers, EmptyHash, SuiteDate, "us-east-1", "service", Secret));
        Assert.Contains("\nmy-header2:\"a b c\"\n", AwsSigV4.CanonicalRequest("GET", "/", "", headers, EmptyHash));
    }

    [Fact]
    public void Headers_are_sorted_by_lower_cased_name_as_in_post_header_key_sort()
    {
        KeyValuePair<string, string>[] headers =
            [new("X-Amz-Date", SuiteDate), new("My-Header1", "value1"), new("Host", "example.amazonaws.com")];

        Assert.Equal("c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            AwsSigV4.ComputeSignature("POST", "/", "", headers, EmptyHash, SuiteDate, "us-east-1", "service", Secret));
    }

    [Fact]
    public void Canonical_requests_match_the_suite_creq_files()
    {
        // post-x-www-form-urlencoded.creq
        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            AwsSigV4.CanonicalRequest("POST", "/", "",
                [new("Content-Type", "application/x-www-form-urlencoded"), new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate)],
                AwsSigV4.PayloadHash("Param1=value1"u8)));

        // get-vanilla-query-order-key.creq, from the .req's query "Param1=value2&Param1=Value1"
        Assert.Equal(
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            AwsSigV4.CanonicalRequest("GET", "/", AwsSigV4.CanonicalQuery("?Param1=value2&Param1=Value1"),
                [new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate)], EmptyHash));
    }

    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/model/m-v1:0/invoke", "/model/m-v1%3A0/invoke")]
    [InlineData("/a%2Fb/c", "/a%252Fb/c")]
    [InlineData("/AZaz09-_.~", "/AZaz09-_.~")]
    [InlineData("/a+b=c&d", "/a%2Bb%3Dc%26d")]
    public void Canonical_uri_encodes_every_byte_outside_the_unreserved_set(string path, string expected) =>
        Assert.Equal(expected, AwsSigV4.CanonicalUri(path));

    [Theory]
    [InlineData("", "")]
    [InlineData("?", "")]
    [InlineData("?b=2&a=1", "a=1&b=2")]
    [InlineData("flag&a=x%2Fy", "a=x%2Fy&flag=")]
    [InlineData("?k=a%20b&k=a+b", "k=a%20b&k=a%2Bb")]
    public void Canonical_query_decodes_then_encodes_and_sorts(string query, string expected) =>
        Assert.Equal(expected, AwsSigV4.CanonicalQuery(query));

    [Fact]
    public void A_signed_request_verifies_from_its_wire_headers_and_fails_when_the_body_changes()
    {
        using var request = BedrockRequest("http://127.0.0.1:5123/model/anthropic.claude-3-haiku-20240307-v1:0/invoke-with-response-stream");
        var body = Encoding.UTF8.GetBytes(BedrockBody);
        AwsSigV4.Sign(request, body, new AwsCredentials("ASIAEXAMPLE", Secret, "session/token=="), "eu-west-3", "bedrock",
            new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.Zero));

        // What a fake sees: the headers named in SignedHeaders, as they are on the wire.
        var authorization = Single(request, "Authorization");
        var signedHeaders = Part(authorization, "SignedHeaders=");
        Assert.Equal("accept;content-type;host;x-amz-date;x-amz-security-token", signedHeaders);
        var wire = signedHeaders.Split(';').Select(name => new KeyValuePair<string, string>(name, name switch
        {
            "host" => "127.0.0.1:5123",
            "content-type" => string.Join(", ", request.Content!.Headers.GetValues("Content-Type")),
            _ => Single(request, name),
        })).ToArray();
        var uri = AwsSigV4.CanonicalUri(request.RequestUri!.AbsolutePath);
        var date = Single(request, "x-amz-date");
        Assert.StartsWith("ASIAEXAMPLE/20250607/eu-west-3/bedrock/aws4_request", Part(authorization, "Credential="));

        Assert.Equal(Part(authorization, "Signature="), AwsSigV4.ComputeSignature("POST", uri, "", wire,
            AwsSigV4.PayloadHash(body), date, "eu-west-3", "bedrock", Secret));
        body[^3] ^= 1;
        Assert.NotEqual(Part(authorization, "Signature="), AwsSigV4.ComputeSignature("POST", uri, "", wire,
            AwsSigV4.PayloadHash(body), date, "eu-west-3", "bedrock", Secret));
    }

    [Fact]
    public void Signing_again_replaces_the_previous_signature()
    {
        using var request = BedrockRequest();
        var body = Encoding.UTF8.GetBytes(BedrockBody);
        var credentials = new AwsCredentials(AccessKey, Secret, "token-1");
        AwsSigV4.Sign(request, body, credentials, "us-east-1", "bedrock", SuiteNow);
        AwsSigV4.Sign(request, body, credentials with { SessionToken = "token-2" }, "us-east-1", "bedrock", SuiteNow.AddHours(1));

        Assert.Single(request.Headers.GetValues("Authorization"));
        Assert.Equal("20150830T133600Z", Single(request, "X-Amz-Date"));
        Assert.Equal("token-2", Single(request, "X-Amz-Security-Token"));
    }

    [Fact]
    public void Credentials_never_print_the_secret_or_the_token()
    {
        var text = new AwsCredentials(AccessKey, Secret, SuiteSessionToken).ToString();
        Assert.Contains(AccessKey, text);
        Assert.DoesNotContain(Secret, text);
        Assert.DoesNotContain(SuiteSessionToken, text);
    }

    private static HttpRequestMessage BedrockRequest(string url = BedrockUrl)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(BedrockBody)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static string Single(HttpRequestMessage request, string name) => Assert.Single(request.Headers.GetValues(name));

    private static string Part(string authorization, string prefix)
    {
        var start = authorization.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length;
        var end = authorization.IndexOf(',', start);
        return end < 0 ? authorization[start..] : authorization[start..end];
    }
}
