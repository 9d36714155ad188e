using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Mutated bodies, headers, metadata and admin payloads — to the Anthropic API and to the Bedrock and Vertex fronts — sent
/// to a real gateway process next to normal traffic: never a 5xx, errors always in the shape of the API the request
/// spoke, event-stream frames always whole, every normal request answered and recorded, and the read side keeps moving.
/// <c>FUZZ_SECONDS</c> (default 40) bounds the run and <c>FUZZ_SEED</c> repeats one; the seed is printed.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private const string AdminToken = "fuzz-admin-token";
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync(new FakeAnthropicOptions { Record = false });

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Hostile_inputs_next_to_normal_traffic_never_cost_anyone_a_request_or_a_record()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), out var s) ? s : 40;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var given) ? given : Random.Shared.Next();
        var connectionString = await TestPostgres.CreateDatabaseAsync("fuzz");
        await using var gateway = GatewayProcess.Start(GatewayProcess.Environment(connectionString, AdminToken, "fuzz"));
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var admin = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var (keyId, secret) = await SetUpAsync(admin);
        using var client = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };

        var failures = new ConcurrentQueue<string>();
        var normal = new ConcurrentBag<string>();
        var tried = 0;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var fuzzers = Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            while (!stop.IsCancellationRequested)
            {
                using var request = FuzzMutations.Next(random, secret, keyId);
                var described = $"{request.Method} {Shorten(request.RequestUri!.OriginalString, 100)}";
                try
                {
                    using var response = await (request.RequestUri!.OriginalString.StartsWith("/admin", StringComparison.Ordinal) ? admin : client).SendAsync(request);
                    Interlocked.Increment(ref tried);
                    if (await ProblemAsync(request, response) is { } problem)
                    {
                        failures.Enqueue($"{described} [{request.Content?.Headers.ContentType} {request.Content?.Headers.ContentLength} bytes]: {problem}");
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Enqueue($"{described}: the connection failed ({e.Message})");
                }
            }
        })).ToList();
        var steady = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var request = Requests.Messages(secret, Requests.MessagesBody($"[input:50][output:10] steady {i}", stream: i % 2 == 0));
                request.Headers.TryAddWithoutValidation("x-gateway-metadata", """{"user":"steady"}""");
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"normal request {i}: {(int)response.StatusCode}");
                }
                normal.Add(Requests.RequestId(response));
            }
        });
        await Task.WhenAll([.. fuzzers, steady]);

        Console.WriteLine($"fuzz seed {seed}: {tried} hostile inputs in {clock.Elapsed.TotalSeconds:F0} s next to {normal.Count} normal requests; " +
                          $"{failures.Count} problems");
        Assert.True(failures.IsEmpty, $"seed {seed}:\n" + string.Join("\n", failures.Take(20)) + "\n" + Errors(gateway.Output));
        Assert.True(tried > 100, $"only {tried} inputs were tried");
        // Every normal request is in the ledger, and the read side projected it (it never stalled on a hostile row).
        var recorded = await LedgerQueries.RecordedAsync(connectionString, normal);
        Assert.Empty(normal.Except(recorded));
        Assert.True(await Processes.WaitUntilAsync(() => LoggedAsync(connectionString, normal).Result == normal.Count, TimeSpan.FromSeconds(60)),
            "the request log did not catch up with the normal requests");
        Assert.False(gateway.HasExited);
    }

    /// <summary>
    /// What is wrong with an answer to a hostile input, or null: any status below 500; an event stream whose every frame
    /// is whole and checksummed; an error in the shape of the API the request spoke (Anthropic's, Bedrock's, Vertex's).
    /// </summary>
    private static async Task<string?> ProblemAsync(HttpRequestMessage request, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (response.Content.Headers.ContentType?.MediaType == "application/vnd.amazon.eventstream")
        {
            return await FramesProblemAsync(response);
        }
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status} {Shorten(text)}";
        }
        // Kestrel answers requests that are not valid HTTP (a NUL in the path, a 10 kB target) before the gateway sees them.
        if (text.Length == 0 && status is 400 or 414 or 431)
        {
            return null;
        }
        if (status < 400 || response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }
        var path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString;
        try
        {
            var json = JsonNode.Parse(text)!.AsObject();
            var shaped = path.StartsWith("/bedrock/", StringComparison.Ordinal)
                ? response.Headers.Contains("x-amzn-ErrorType") && json["message"]?.GetValue<string>() is not null
                : IsAnthropicError(json) || (path.StartsWith("/vertex/", StringComparison.Ordinal) && json["error"]?["status"]?.GetValue<string>() is not null
                                             && json["error"]?["message"]?.GetValue<string>() is not null);
            return shaped ? null : $"{status} not in the error shape of {path.Split('/')[1]}: {Shorten(text)}";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            return $"{status} not JSON: {Shorten(text)}";
        }
    }

    private static bool IsAnthropicError(JsonObject json) =>
        json["type"]?.GetValue<string>() == "error" && json["error"]?["type"] is not null && json["error"]?["message"] is not null;

    /// <summary>A Bedrock-format stream: every frame must decode (both checksums) and carry an event or an exception.</summary>
    private static async Task<string?> FramesProblemAsync(HttpResponseMessage response)
    {
        using var decoder = new Gateway.Api.Providers.Bedrock.EventStreamDecoder(await response.Content.ReadAsStreamAsync());
        try
        {
            while (await decoder.ReadAsync() is { } frame)
            {
                if (frame.EventType != "chunk" && frame.MessageType != "exception")
                {
                    return $"a frame that is neither a chunk nor an exception: {frame.MessageType}";
                }
            }
            return null;
        }
        catch (Gateway.Api.Providers.Bedrock.EventStreamException e)
        {
            return "a broken event-stream frame: " + e.Message;
        }
    }

    /// <summary>The gateway's own error lines, for a failure's message.</summary>
    private static string Errors(string output) => string.Join("\n", output.Split('\n')
        .Where(l => l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains("Exception:", StringComparison.Ordinal) || l.Contains("at Gateway.", StringComparison.Ordinal))
        .Select(l => Shorten(l, 200)).Distinct().Take(30));

    private static string Shorten(string text, int length = 300) => text.Length > length ? text[..length] + "…" : text;

    private async Task<(string KeyId, string Secret)> SetUpAsync(HttpClient admin)
    {
        (await admin.PostAsJsonAsync("/admin/v1/workspaces", new { id = "fuzz", metadata = new { cost_center = "cc-1" } })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/v1/providers", new
        {
            slug = "fuzz-provider",
            kind = "anthropic",
            base_url = _fake.BaseUrl.ToString(),
            credentials = new { api_key = _fake.ApiKey },
        })).EnsureSuccessStatusCode();
        using var key = await admin.PostAsJsonAsync("/admin/v1/keys", new
        {
            workspace = "fuzz",
            name = "fuzz",
            budget = new { limit_usd = 1000m, period = "monthly" },
            rate_limits = new { rpm = 100_000 },
        });
        key.EnsureSuccessStatusCode();
        var created = (await key.Content.ReadFromJsonAsync<JsonObject>())!;
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    private static async Task<long> LoggedAsync(string connectionString, IEnumerable<string> requestIds)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM gateway.request_log WHERE request_id = ANY($1)", connection);
        command.Parameters.AddWithValue(requestIds.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
