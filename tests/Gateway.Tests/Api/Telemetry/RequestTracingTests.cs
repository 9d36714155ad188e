using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Api.Telemetry;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Api.Telemetry;

/// <summary>
/// Traces, read with OpenTelemetry's in-memory exporter from a gateway that collects them: one trace per request, the
/// request's span with its steps under the incoming request's span, and each provider attempt a client span of the
/// request's span, with the HTTP call to the provider under it.
/// </summary>
public sealed class RequestTracingTests : IAsyncLifetime
{
    private readonly SpanCollection _spans = new();
    private FakeAnthropic _up = null!;
    private FakeAnthropic _down = null!;
    private WebApplication _app = null!;
    private HttpClient _admin = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _up = await FakeAnthropic.StartAsync();
        _down = await FakeAnthropic.StartAsync();
        _down.FailAllWith = 529;
        _app = await GatewayFixture.StartGatewayAsync(await TestPostgres.CreateDatabaseAsync("traces"),
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans)),
            clusterId: "traces", settings: new Dictionary<string, string?> { ["Gateway:Telemetry:Traces"] = "true" });
        _admin = new HttpClient { BaseAddress = GatewayFixture.Address(_app), Timeout = TimeSpan.FromSeconds(60) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminToken);
        // The client sends no trace context of its own: the gateway starts each request's trace.
        _client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
        {
            BaseAddress = GatewayFixture.Address(_app),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _up.DisposeAsync();
        await _down.DisposeAsync();
    }

    [Fact]
    public async Task Each_request_is_one_trace_and_a_fallback_shows_both_provider_attempts_under_the_request_span()
    {
        var (secret, down, up) = await FallbackKeyAsync();

        var traces = new List<IReadOnlyList<Activity>>();
        foreach (var stream in new[] { true, false })
        {
            using var response = await _client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("trace this", stream)));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            traces.Add(await TraceOfAsync(Requests.RequestId(response)));
        }
        Assert.NotEqual(traces[0][0].TraceId, traces[1][0].TraceId);

        foreach (var trace in traces)
        {
            var root = Assert.Single(trace, s => s.ParentSpanId == default);
            Assert.Equal(ActivityKind.Server, root.Kind);
            var request = Assert.Single(trace, s => s.Source.Name == "Gateway" && s.GetTagItem(RequestSpans.RequestIdAttribute) is not null);
            Assert.Equal(root.SpanId, request.ParentSpanId);
            Assert.Equal($"chat {Requests.Model}", request.DisplayName);
            Assert.Equal("chat", request.GetTagItem("gen_ai.operation.name"));
            Assert.Equal(Requests.Model, request.GetTagItem("gen_ai.request.model"));
            Assert.True((long)request.GetTagItem("gen_ai.usage.output_tokens")! > 0);
            Assert.Equal(up, request.GetTagItem("gateway.provider"));

            Assert.Contains(trace, s => s.DisplayName == RequestSpans.Admission && s.ParentSpanId == request.SpanId);
            Assert.Contains(trace, s => s.DisplayName == RequestSpans.Reservation && s.ParentSpanId == request.SpanId);
            // The key's grain call is traced under the admission, through Orleans.
            var admission = trace.First(s => s.DisplayName == RequestSpans.Admission);
            Assert.Contains(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.ParentSpanId == admission.SpanId);

            var attempts = trace.Where(s => s.Source.Name == "Gateway" && s.Kind == ActivityKind.Client).OrderBy(s => s.StartTimeUtc).ToList();
            Assert.Equal([down, up], attempts.Select(a => a.GetTagItem("gateway.provider")));
            Assert.All(attempts, a => Assert.Equal(request.SpanId, a.ParentSpanId));
            Assert.All(attempts, a => Assert.Equal("anthropic", a.GetTagItem("gen_ai.provider.name")));
            Assert.All(attempts, a => Assert.Contains(trace, s => s.Source.Name == "System.Net.Http" && s.ParentSpanId == a.SpanId));
            Assert.Equal((ActivityStatusCode.Error, 529, "overloaded_error"),
                (attempts[0].Status, attempts[0].GetTagItem("http.response.status_code"), attempts[0].GetTagItem("error.type")));
            Assert.Equal((ActivityStatusCode.Unset, 200), (attempts[1].Status, attempts[1].GetTagItem("http.response.status_code")));

            var relay = Assert.Single(trace, s => s.DisplayName == RequestSpans.Relay);
            Assert.Equal(attempts[1].SpanId, relay.ParentSpanId);
            Assert.Equal(relay.SpanId, Assert.Single(trace, s => s.DisplayName == RequestSpans.LedgerCommit).ParentSpanId);
        }
        // Tracing adds nothing to what providers receive.
        Assert.All(_up.Requests.Concat(_down.Requests), r => Assert.Null(r.Header("traceparent")));
    }

    /// <summary>Every span of the request's trace, once its incoming request's span (the last to end) is exported.</summary>
    private async Task<IReadOnlyList<Activity>> TraceOfAsync(string requestId)
    {
        IReadOnlyList<Activity> trace = [];
        Assert.True(await Processes.WaitUntilAsync(() =>
        {
            var spans = _spans.Snapshot();
            if (spans.FirstOrDefault(s => Equals(s.GetTagItem(RequestSpans.RequestIdAttribute), requestId)) is not { } request)
            {
                return false;
            }
            trace = [.. spans.Where(s => s.TraceId == request.TraceId)];
            return trace.Any(s => s.SpanId == request.ParentSpanId);
        }, TimeSpan.FromSeconds(30)), $"no complete trace of {requestId}");
        return trace;
    }

    /// <summary>A key whose route falls back from the failing fake to the answering one; the two providers' slugs.</summary>
    private async Task<(string Secret, string Down, string Up)> FallbackKeyAsync()
    {
        var workspace = "ws-" + Guid.NewGuid().ToString("N")[..10];
        await GatewayFixture.PostAsync(_admin, "/admin/v1/workspaces", new JsonObject { ["id"] = workspace, ["name"] = workspace });
        foreach (var (slug, fake) in new[] { ($"{workspace}-down", _down), ($"{workspace}-up", _up) })
        {
            await GatewayFixture.PostAsync(_admin, "/admin/v1/providers", new JsonObject
            {
                ["slug"] = slug,
                ["kind"] = "anthropic",
                ["base_url"] = fake.BaseUrl.ToString(),
                ["credentials"] = new JsonObject { ["api_key"] = fake.ApiKey },
                ["workspaces"] = new JsonArray(workspace),
            });
        }
        await GatewayFixture.PostAsync(_admin, "/admin/v1/configs", new JsonObject
        {
            ["slug"] = $"{workspace}-fallback",
            ["workspace"] = workspace,
            ["config"] = new JsonObject
            {
                ["strategy"] = new JsonObject { ["mode"] = "fallback" },
                ["targets"] = new JsonArray(new JsonObject { ["provider"] = $"@{workspace}-down" }, new JsonObject { ["provider"] = $"@{workspace}-up" }),
            },
        });
        var key = await GatewayFixture.PostAsync(_admin, "/admin/v1/keys", new JsonObject { ["workspace"] = workspace, ["name"] = "traced", ["config"] = $"{workspace}-fallback" });
        return (key["key"]!.GetValue<string>(), $"{workspace}-down", $"{workspace}-up");
    }
}
