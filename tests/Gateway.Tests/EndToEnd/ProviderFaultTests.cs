using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A provider that misbehaves at the network level — resets a stream, drips bytes, sends garbage frames, never
/// answers, goes quiet mid-stream — against a gateway process under load: every client gets an answer or an
/// Anthropic-shaped error within the route's timeout, every request keeps its usage record, traffic to a healthy
/// provider alongside is untouched, and the faulty route serves again as soon as its provider does.
/// </summary>
public sealed class ProviderFaultTests : IAsyncLifetime
{
    private const string AdminToken = "faults-admin-token";
    private const int TimeoutMs = 4_000;
    private const int PerMode = 6;
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    /// <summary>Each fault, its marker and whether it streams.</summary>
    private static readonly (string Mode, string Markers, bool Stream)[] Faults =
    [
        ("reset mid-stream", "[words:30][drop-stream]", true),
        ("drip (stream)", "[words:20][drip:5]", true),
        ("drip (JSON)", "[words:20][drip:5]", false),
        ("garbage frames", "[garbage]", true),
        ("garbage JSON", "[garbage]", false),
        ("never answers", "[hang]", false),
        ("never answers (stream)", "[hang]", true),
        ("silent mid-stream", "[hang-stream]", true),
    ];

    [Fact]
    public async Task Every_fault_ends_in_an_answer_or_an_anthropic_error_in_bounded_time_with_its_record_and_healthy_traffic_is_untouched()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("faults");
        await using var gateway = GatewayProcess.Start(GatewayProcess.Environment(connectionString, AdminToken, "faults"));
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var (_, healthy) = await StandaloneTenant.CreateAsync(gateway.BaseUrl, AdminToken, _fake, "healthy");
        var faulty = await KeyWithTimeoutAsync(gateway.BaseUrl, "faulty");

        using var client = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(90) };
        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<Result>();
        using var stopHealthy = new CancellationTokenSource();
        var healthyLoad = Task.WhenAll(Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stopHealthy.IsCancellationRequested; i++)
            {
                results.Add(await SendAsync(client, healthy, "healthy", "[words:10] fine", stream: (i + worker) % 2 == 0, clock));
                await Task.Delay(10);
            }
        })));
        var work = new ConcurrentQueue<(string Mode, string Markers, bool Stream)>(
            Enumerable.Range(0, PerMode).SelectMany(_ => Faults));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (work.TryDequeue(out var fault))
            {
                results.Add(await SendAsync(client, faulty, fault.Mode, fault.Markers + " fault", fault.Stream, clock));
            }
        })));
        var faultsEndedAt = clock.Elapsed;

        // The provider behaves again: the faulty route serves (its circuit, opened by the faults, lets a probe through).
        Result? recovered = null;
        while (recovered is null && clock.Elapsed - faultsEndedAt < TimeSpan.FromSeconds(90))
        {
            var probe = await SendAsync(client, faulty, "recovery", "[words:5] back", stream: false, clock);
            results.Add(probe);
            recovered = probe.Ending == Ending.Answered ? probe : null;
            if (recovered is null)
            {
                await Task.Delay(200);
            }
        }
        await stopHealthy.CancelAsync();
        await healthyLoad;

        var all = results.ToList();
        var summary = new StringBuilder();
        foreach (var group in all.GroupBy(r => r.Mode).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            summary.AppendLine($"{group.Key}: {group.Count()} requests, " +
                string.Join(", ", group.GroupBy(r => r.Ending).Select(e => $"{e.Count()} {e.Key}")) +
                $", slowest {group.Max(r => r.Took).TotalSeconds:F1} s");
        }
        Assert.NotNull(recovered);
        var recoveredAfter = recovered.StartedAt + recovered.Took - faultsEndedAt;
        summary.AppendLine($"recovered {recoveredAfter.TotalSeconds:F1} s after the faults stopped");

        // Nothing hangs and nothing breaks the protocol: an answer, an error event in the stream, or an error body.
        Assert.All(all, r => Assert.True(r.Ending != Ending.Broken, $"{r.Mode}: {r.Detail}\n{summary}"));
        Assert.All(all, r => Assert.True(r.Took < TimeSpan.FromMilliseconds(TimeoutMs * 2 + 15_000), $"{r.Mode} took {r.Took}\n{summary}"));
        Assert.All(all.Where(r => r.Mode == "healthy"), r => Assert.Equal(Ending.Answered, r.Ending));
        Assert.All(all.Where(r => r.Mode.StartsWith("drip", StringComparison.Ordinal)), r => Assert.Equal(Ending.Answered, r.Ending));
        Assert.All(all.Where(r => r.Mode.StartsWith("never", StringComparison.Ordinal) || r.Mode.StartsWith("garbage", StringComparison.Ordinal)
            || r.Mode.StartsWith("reset", StringComparison.Ordinal) || r.Mode.StartsWith("silent", StringComparison.Ordinal)),
            r => Assert.NotEqual(Ending.Answered, r.Ending));
        // Every request has its record.
        var ids = all.Select(r => r.RequestId).ToList();
        Assert.DoesNotContain(null, ids);
        var recorded = await LedgerQueries.RecordedAsync(connectionString, ids!);
        var lost = ids.Except(recorded).Count();
        summary.AppendLine($"{all.Count} requests, {all.Count(r => r.Mode == "healthy")} healthy alongside (all answered), records lost {lost}");
        Console.WriteLine(summary);
        Assert.Equal(0, lost);
        Assert.False(gateway.HasExited);
    }

    private async Task<string> KeyWithTimeoutAsync(Uri baseUrl, string workspace)
    {
        await StandaloneTenant.CreateAsync(baseUrl, AdminToken, _fake, workspace);
        using var admin = new HttpClient { BaseAddress = baseUrl };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        (await admin.PostAsJsonAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = "timeout",
            ["workspace"] = workspace,
            ["config"] = new JsonObject
            {
                ["strategy"] = new JsonObject { ["mode"] = "single" },
                ["targets"] = new JsonArray(new JsonObject { ["provider"] = $"@{workspace}-provider" }),
                ["request_timeout_ms"] = TimeoutMs,
            },
        })).EnsureSuccessStatusCode();
        using var key = await admin.PostAsJsonAsync("/admin/v1/keys", new JsonObject { ["workspace"] = workspace, ["name"] = "faulty", ["config"] = "timeout" });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }

    private static async Task<Result> SendAsync(HttpClient client, string secret, string mode, string prompt, bool stream, Stopwatch clock)
    {
        var started = clock.Elapsed;
        try
        {
            using var response = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody($"{prompt} {Guid.NewGuid():N}", stream)),
                HttpCompletionOption.ResponseHeadersRead);
            var requestId = response.Headers.TryGetValues("request-id", out var values) ? values.Single() : null;
            var text = await response.Content.ReadAsStringAsync();
            var (ending, detail) = Judge(response, text, stream);
            return new Result(mode, started, clock.Elapsed - started, requestId, ending, detail);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Result(mode, started, clock.Elapsed - started, null, Ending.Broken, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>What the client got: an answer, an Anthropic error (as a body or as the stream's last event), or neither.</summary>
    private static (Ending, string) Judge(HttpResponseMessage response, string text, bool stream)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return IsAnthropicError(text) ? (Ending.ErrorStatus, $"{(int)response.StatusCode}") : (Ending.Broken, $"{(int)response.StatusCode}: {Cut(text)}");
        }
        if (!stream)
        {
            return TryParse(text) is { } message && message["type"]?.GetValue<string>() == "message" ? (Ending.Answered, "") : (Ending.Broken, Cut(text));
        }
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var last = events.LastOrDefault() ?? "";
        if (last.StartsWith("event: message_stop", StringComparison.Ordinal))
        {
            return (Ending.Answered, "");
        }
        return last.StartsWith("event: error\n", StringComparison.Ordinal) && IsAnthropicError(last["event: error\ndata: ".Length..])
            ? (Ending.ErrorEvent, "")
            : (Ending.Broken, "stream ended with: " + Cut(last));
    }

    private static bool IsAnthropicError(string json) =>
        TryParse(json) is { } error && error["type"]?.GetValue<string>() == "error" && error["error"]?["type"]?.GetValue<string>() is { Length: > 0 };

    private static JsonObject? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private enum Ending
    {
        Answered,
        ErrorEvent,
        ErrorStatus,
        Broken,
    }

    private sealed record Result(string Mode, TimeSpan StartedAt, TimeSpan Took, string? RequestId, Ending Ending, string Detail);
}
