using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Providers.Bedrock;
using Gateway.Fakes;

namespace Gateway.Bench;

/// <summary>
/// Time to first byte of a streamed answer at concurrency 1: straight to the fake Anthropic and the fake Bedrock
/// (the baselines), and through the gateway to each (Anthropic pass-through; Bedrock translation: SigV4, body
/// rewrite, event-stream decoding). Requests go to the four targets in turn, so drift hits all alike.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class TtfbBench
{
    private const string AdminToken = "bench-ttfb-admin-token";
    private const string Model = "claude-sonnet-4-5-20250929";
    private const string FixedText = "Hello! This is a fixed answer from the benchmark's fake upstream, about twenty tokens long in all.";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        $$"""{"model":"{{Model}}","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}""");

    public static async Task<int> RunAsync(string? connection, int requests, int warmup)
    {
        await using var database = await BenchDatabase.OpenAsync(connection, "ttfb");
        await using var anthropic = await FakeAnthropic.StartAsync(new FakeAnthropicOptions { Record = false, FixedText = FixedText });
        await using var bedrock = await FakeBedrock.StartAsync(new FakeBedrockOptions { Record = false });
        await using var gateway = await BenchGateway.StartAsync(database.ConnectionString, AdminToken, "ttfb");
        var gatewayUrl = BenchGateway.Address(gateway);
        using var admin = new HttpClient { BaseAddress = gatewayUrl };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var anthropicKey = await KeyAsync(admin, "anthropic", new JsonObject
        {
            ["kind"] = "anthropic",
            ["base_url"] = anthropic.BaseUrl.ToString(),
            ["credentials"] = new JsonObject { ["api_key"] = anthropic.ApiKey },
        });
        var bedrockKey = await KeyAsync(admin, "bedrock", new JsonObject
        {
            ["kind"] = "bedrock",
            ["base_url"] = bedrock.BaseUrl.ToString(),
            ["region"] = bedrock.Options.Region,
            ["credentials"] = new JsonObject { ["access_key_id"] = bedrock.Options.AccessKeyId, ["secret_access_key"] = bedrock.Options.SecretAccessKey },
        });

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None });
        var credentials = new AwsCredentials(bedrock.Options.AccessKeyId, bedrock.Options.SecretAccessKey, null);
        var bedrockBody = Encoding.UTF8.GetBytes("""{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}]}""");
        var targets = new (string Name, Func<HttpRequestMessage> Request)[]
        {
            ("direct anthropic", () => AnthropicRequest(anthropic.BaseUrl, "x-api-key", anthropic.ApiKey)),
            ("gateway -> anthropic (pass-through)", () => AnthropicRequest(gatewayUrl, "x-api-key", anthropicKey)),
            ("direct bedrock (signed here)", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bedrock.BaseUrl, $"/model/us.anthropic.{Model}-v1:0/invoke-with-response-stream"))
                {
                    Content = new ByteArrayContent(bedrockBody),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("accept", "application/vnd.amazon.eventstream");
                AwsSigV4.Sign(request, bedrockBody, credentials, bedrock.Options.Region, "bedrock", DateTimeOffset.UtcNow);
                return request;
            }),
            ("gateway -> bedrock (translated)", () => AnthropicRequest(gatewayUrl, "x-api-key", bedrockKey)),
        };

        Console.WriteLine($"TTFB at c=1, streaming, {requests} measured requests per target after {warmup} warm-up each; PostgreSQL {database.Description}.");
        var samples = targets.Select(_ => new List<double>(requests)).ToArray();
        var totals = targets.Select(_ => new List<double>(requests)).ToArray();
        for (var i = 0; i < warmup + requests; i++)
        {
            for (var t = 0; t < targets.Length; t++)
            {
                var (ttfb, total) = await MeasureAsync(client, targets[t].Request());
                if (i >= warmup)
                {
                    samples[t].Add(ttfb);
                    totals[t].Add(total);
                }
            }
        }

        Console.WriteLine($"{"target",-38} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"full p50",9}");
        var p50 = new double[targets.Length];
        for (var t = 0; t < targets.Length; t++)
        {
            samples[t].Sort();
            totals[t].Sort();
            p50[t] = BenchDatabase.Percentile(samples[t], 0.50);
            Console.WriteLine($"{targets[t].Name,-38} {p50[t],8:F3} {BenchDatabase.Percentile(samples[t], 0.90),8:F3} {BenchDatabase.Percentile(samples[t], 0.99),8:F3} {BenchDatabase.Percentile(totals[t], 0.50),9:F3}");
        }
        var translation = p50[3] - p50[1];
        var net = p50[3] - p50[2] - (p50[1] - p50[0]);
        Console.WriteLine($"pass-through adds {p50[1] - p50[0]:F3} ms to TTFB p50 over direct (ratio {p50[1] / p50[0]:F2}); Bedrock translation adds {p50[3] - p50[2]:F3} ms over direct Bedrock (ratio {p50[3] / p50[2]:F2}).");
        Console.WriteLine($"Bedrock through the gateway vs Anthropic through the gateway: {translation:+0.000;-0.000} ms at p50 " +
            $"({net:+0.000;-0.000} ms net of the two fakes' own difference) -> {(translation <= 1.0 ? "PASS" : "FAIL")} (target <= 1 ms)");
        await gateway.StopAsync();
        return translation <= 1.0 ? 0 : 1;
    }

    private static HttpRequestMessage AnthropicRequest(Uri baseUrl, string header, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/v1/messages")) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(header, key);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    /// <summary>Milliseconds to the first body byte and to the end of the answer.</summary>
    private static async Task<(double Ttfb, double Total)> MeasureAsync(HttpClient client, HttpRequestMessage request)
    {
        var buffer = new byte[16 * 1024];
        var started = Stopwatch.GetTimestamp();
        using (request)
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            await using var body = await response.Content.ReadAsStreamAsync();
            if (await body.ReadAsync(buffer) == 0)
            {
                throw new InvalidOperationException($"{request.RequestUri} sent an empty answer");
            }
            var first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            while (await body.ReadAsync(buffer) > 0)
            {
            }
            return (first, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static async Task<string> KeyAsync(HttpClient admin, string name, JsonObject provider)
    {
        var workspace = $"ttfb-{name}";
        await PostAsync(admin, "/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        provider["slug"] = $"ttfb-{name}";
        provider["workspaces"] = new JsonArray(workspace);
        await PostAsync(admin, "/admin/v1/providers", provider);
        return (await PostAsync(admin, "/admin/v1/keys", new JsonObject { ["workspace"] = workspace, ["name"] = name }))["key"]!.GetValue<string>();
    }

    private static async Task<JsonObject> PostAsync(HttpClient admin, string path, JsonObject body)
    {
        using var response = await admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }
}
