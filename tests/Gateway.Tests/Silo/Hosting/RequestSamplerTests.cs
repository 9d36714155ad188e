using System.Diagnostics;
using Gateway.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>Only incoming requests start traces; everything else follows its parent; the standard variables choose the ratio.</summary>
[Trait("Category", "Unit")]
public sealed class RequestSamplerTests
{
    private static readonly ActivityContext SampledParent = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
    private static readonly ActivityContext UnsampledParent = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);

    [Fact]
    public void An_incoming_request_starts_a_trace_and_nothing_else_does_on_its_own()
    {
        var sampler = RequestSampler.FromConfiguration(Configuration());

        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, default, RequestSampler.IncomingRequest, ActivityKind.Server));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, default, "Npgsql", ActivityKind.Client));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, default, "IMembershipTable/ReadAll", ActivityKind.Server));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, SampledParent, "gateway.ledger.commit", ActivityKind.Internal));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, UnsampledParent, RequestSampler.IncomingRequest, ActivityKind.Server));
    }

    [Fact]
    public void The_standard_variables_set_the_share_of_requests_traced()
    {
        var none = RequestSampler.FromConfiguration(Configuration(("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "0")));
        var off = RequestSampler.FromConfiguration(Configuration(("OTEL_TRACES_SAMPLER", "always_off")));

        Assert.Equal(SamplingDecision.Drop, Decide(none, default, RequestSampler.IncomingRequest, ActivityKind.Server));
        Assert.Equal(SamplingDecision.Drop, Decide(off, default, RequestSampler.IncomingRequest, ActivityKind.Server));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(none, SampledParent, RequestSampler.IncomingRequest, ActivityKind.Server));
    }

    [Theory]
    [InlineData("sometimes", "0.5", "OTEL_TRACES_SAMPLER: 'sometimes' is not")]
    [InlineData("traceidratio", "1.5", "OTEL_TRACES_SAMPLER_ARG: '1.5' is not a ratio")]
    public void A_sampler_setting_that_cannot_be_read_is_refused_by_name(string sampler, string ratio, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            RequestSampler.FromConfiguration(Configuration(("OTEL_TRACES_SAMPLER", sampler), ("OTEL_TRACES_SAMPLER_ARG", ratio))));

        Assert.StartsWith(expected, error.Message);
    }

    private static SamplingDecision Decide(Sampler sampler, ActivityContext parent, string name, ActivityKind kind) =>
        sampler.ShouldSample(new SamplingParameters(parent, parent == default ? ActivityTraceId.CreateRandom() : parent.TraceId, name, kind)).Decision;

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
